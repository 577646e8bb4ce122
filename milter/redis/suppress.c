/*
 * suppress.c - the suppression lists in Redis (see suppress.h).
 *
 * Built on counter.c's pool (ctr_command): no connection of its own.
 * Writes are one EVAL each (the hash and its expiry together).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hiredis/hiredis.h>

#include "lib/addr.h"
#include "lib/log.h"
#include "redis/suppress.h"

#define KEY_MAX		(64 + 256 + 320)

/* KEYS[1]; ARGV: reason, added, source, ttl in seconds (0: none). */
static const char add_script[] =
	"local new = redis.call('EXISTS', KEYS[1]) == 0\n"
	"redis.call('DEL', KEYS[1])\n"
	"redis.call('HSET', KEYS[1], 'reason', ARGV[1], 'added', ARGV[2],\n"
	"  'source', ARGV[3])\n"
	"if tonumber(ARGV[4]) > 0 then\n"
	"  redis.call('EXPIRE', KEYS[1], ARGV[4])\n"
	"end\n"
	"if new then return 1 end\n"
	"return 0\n";

/* The key of rcpt on a list. */
int
sup_key(const char *prefix, const char *primary, const char *rcpt, char *out,
    size_t len)
{
	int	 n;

	if (primary != NULL)
		n = snprintf(out, len, "%s:{%s}:x:%s", prefix, primary, rcpt);
	else
		n = snprintf(out, len, "%s:x:%s", prefix, rcpt);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Log a reply that is not what was expected; frees it. */
static int
unexpected(redisReply *r, const char *what, const char *key)
{
	log_warnx("redis %s %s: %s", what, key, r->type == REDIS_REPLY_ERROR ?
	    r->str : "unexpected reply");
	freeReplyObject(r);
	return -1;
}

/* One EXISTS of both lists' keys for each of n addresses. */
static int
check_forms(struct counters *ct, const char *primary,
    char forms[][SG_ADDR_MAX + 1], size_t n)
{
	char		 keys[2 * SUP_FORMS][KEY_MAX];
	const char	*argv[1 + 2 * SUP_FORMS];
	redisReply	*r;
	size_t		 i;
	int		 found;

	argv[0] = "EXISTS";
	for (i = 0; i < n && i < SUP_FORMS; i++) {
		if (sup_key(ctr_prefix(ct), primary, forms[i], keys[2 * i],
		    KEY_MAX) == -1 || sup_key(ctr_prefix(ct), NULL, forms[i],
		    keys[2 * i + 1], KEY_MAX) == -1) {
			log_warnx("suppression key too long for <%s>",
			    forms[i]);
			return -1;
		}
		argv[1 + 2 * i] = keys[2 * i];
		argv[2 + 2 * i] = keys[2 * i + 1];
	}
	if ((r = ctr_command(ct, (int)(1 + 2 * i), argv, 1)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_INTEGER)
		return unexpected(r, "EXISTS", keys[0]);
	found = r->integer > 0;
	freeReplyObject(r);
	return found;
}

/* One EXISTS of both keys. */
int
sup_check(struct counters *ct, const char *primary, const char *rcpt)
{
	char	 form[1][SG_ADDR_MAX + 1];

	if (snprintf(form[0], sizeof(form[0]), "%s", rcpt) >=
	    (int)sizeof(form[0])) {
		log_warnx("suppression key too long for <%s>", rcpt);
		return -1;
	}
	return check_forms(ct, primary, form, 1);
}

/* Add (or renew) an entry. */
int
sup_add(struct counters *ct, const char *primary, const char *rcpt,
    const char *reason, const char *source, time_t now, long ttl_ms)
{
	char		 key[KEY_MAX], added[32], ttl[32];
	const char	*argv[8];
	redisReply	*r;
	int		 ret;

	if (sup_key(ctr_prefix(ct), primary, rcpt, key, sizeof(key)) == -1)
		return -1;
	snprintf(added, sizeof(added), "%lld", (long long)now);
	/* whole seconds, at least one */
	snprintf(ttl, sizeof(ttl), "%ld", ttl_ms > 0 ? (ttl_ms + 999) / 1000 :
	    0L);
	argv[0] = "EVAL";
	argv[1] = add_script;
	argv[2] = "1";
	argv[3] = key;
	argv[4] = reason != NULL ? reason : "";
	argv[5] = added;
	argv[6] = source;
	argv[7] = ttl;
	if ((r = ctr_command(ct, 8, argv, 1)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_INTEGER)
		return unexpected(r, "EVAL add", key);
	ret = r->integer == 1;
	freeReplyObject(r);
	return ret;
}

/* Remove an entry. */
int
sup_remove(struct counters *ct, const char *primary, const char *rcpt)
{
	char		 key[KEY_MAX];
	const char	*argv[2];
	redisReply	*r;
	int		 ret;

	if (sup_key(ctr_prefix(ct), primary, rcpt, key, sizeof(key)) == -1)
		return 0;
	argv[0] = "DEL";
	argv[1] = key;
	if ((r = ctr_command(ct, 2, argv, 1)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_INTEGER)
		return unexpected(r, "DEL", key);
	ret = r->integer > 0;
	freeReplyObject(r);
	return ret;
}

/* Split a list key into e->primary and e->rcpt; 0, or -1 not ours. */
static int
parse_key(const char *prefix, const char *key, struct sup_entry *e)
{
	size_t		 pl = strlen(prefix);
	const char	*p, *close;

	if (strncmp(key, prefix, pl) != 0 || key[pl] != ':')
		return -1;
	p = key + pl + 1;
	e->primary[0] = '\0';
	if (*p == '{') {
		if ((close = strchr(p, '}')) == NULL ||
		    (size_t)(close - p - 1) >= sizeof(e->primary))
			return -1;
		memcpy(e->primary, p + 1, (size_t)(close - p - 1));
		e->primary[close - p - 1] = '\0';
		p = close + 1;
		if (*p++ != ':')
			return -1;
	}
	if (strncmp(p, "x:", 2) != 0)
		return -1;
	snprintf(e->rcpt, sizeof(e->rcpt), "%s", p + 2);
	return 0;
}

/* Read the hash and TTL of one key into e (its names set); 1, 0, -1. */
static int
read_entry(struct counters *ct, const char *key, struct sup_entry *e)
{
	const char	*argv[2];
	redisReply	*r;
	size_t		 i;
	const char	*f, *v;

	argv[0] = "HGETALL";
	argv[1] = key;
	if ((r = ctr_command(ct, 2, argv, 1)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY)
		return unexpected(r, "HGETALL", key);
	if (r->elements == 0) {
		freeReplyObject(r);
		return 0;
	}
	e->reason[0] = e->source[0] = '\0';
	e->added = 0;
	for (i = 0; i + 1 < r->elements; i += 2) {
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    r->element[i + 1]->type != REDIS_REPLY_STRING)
			continue;
		f = r->element[i]->str;
		v = r->element[i + 1]->str;
		if (strcmp(f, "reason") == 0)
			snprintf(e->reason, sizeof(e->reason), "%s", v);
		else if (strcmp(f, "source") == 0)
			snprintf(e->source, sizeof(e->source), "%s", v);
		else if (strcmp(f, "added") == 0)
			e->added = strtoll(v, NULL, 10);
	}
	freeReplyObject(r);
	argv[0] = "TTL";
	if ((r = ctr_command(ct, 2, argv, 1)) == NULL)
		return -1;
	e->ttl = r->type == REDIS_REPLY_INTEGER && r->integer >= 0 ?
	    r->integer : -1;
	freeReplyObject(r);
	return 1;
}

/* One entry. */
int
sup_get(struct counters *ct, const char *primary, const char *rcpt,
    struct sup_entry *e)
{
	char	 key[KEY_MAX];

	memset(e, 0, sizeof(*e));
	if (sup_key(ctr_prefix(ct), primary, rcpt, key, sizeof(key)) == -1)
		return 0;
	snprintf(e->primary, sizeof(e->primary), "%s", primary ? primary : "");
	snprintf(e->rcpt, sizeof(e->rcpt), "%s", rcpt);
	return read_entry(ct, key, e);
}

/* s with SCAN's glob characters escaped. */
static void
glob_escape(const char *s, char *out, size_t len)
{
	size_t	 o = 0;

	for (; *s != '\0' && o + 3 < len; s++) {
		if (strchr("*?[]\\", *s) != NULL)
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
}

/* SCAN one pattern; the count, or -1. */
static long
scan(struct counters *ct, const char *pattern,
    void (*each)(const struct sup_entry *, void *), void *arg)
{
	char		 cursor[32] = "0";
	const char	*argv[6];
	redisReply	*r, *keys;
	struct sup_entry e;
	size_t		 i;
	long		 n = 0;

	do {
		argv[0] = "SCAN";
		argv[1] = cursor;
		argv[2] = "MATCH";
		argv[3] = pattern;
		argv[4] = "COUNT";
		argv[5] = "500";
		if ((r = ctr_command(ct, 6, argv, 1)) == NULL)
			return -1;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_ARRAY)
			return unexpected(r, "SCAN", pattern);
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		keys = r->element[1];
		for (i = 0; i < keys->elements; i++) {
			if (keys->element[i]->type != REDIS_REPLY_STRING)
				continue;
			memset(&e, 0, sizeof(e));
			if (parse_key(ctr_prefix(ct), keys->element[i]->str,
			    &e) == -1)
				continue;
			if (read_entry(ct, keys->element[i]->str, &e) != 1)
				continue;	/* expired meanwhile */
			each(&e, arg);
			n++;
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	return n;
}

/* Every entry of a list (or of all lists). */
long
sup_list(struct counters *ct, const char *primary,
    void (*each)(const struct sup_entry *, void *), void *arg)
{
	char	 pat[KEY_MAX * 2], pfx[160], dom[600];
	long	 a, b;

	glob_escape(ctr_prefix(ct), pfx, sizeof(pfx));
	if (primary == NULL) {
		snprintf(pat, sizeof(pat), "%s:x:*", pfx);
		return scan(ct, pat, each, arg);
	}
	if (strcmp(primary, "*") != 0) {
		glob_escape(primary, dom, sizeof(dom));
		snprintf(pat, sizeof(pat), "%s:{%s}:x:*", pfx, dom);
		return scan(ct, pat, each, arg);
	}
	snprintf(pat, sizeof(pat), "%s:x:*", pfx);
	if ((a = scan(ct, pat, each, arg)) == -1)
		return -1;
	snprintf(pat, sizeof(pat), "%s:{*}:x:*", pfx);
	if ((b = scan(ct, pat, each, arg)) == -1)
		return -1;
	return a + b;
}

/* The MTA's RCPT argument, parsed and checked. */
int
sup_check_arg(struct counters *ct, const char *primary, const char *arg,
    char *norm, size_t len)
{
	char	 forms[SUP_FORMS][SG_ADDR_MAX + 1];
	size_t	 n;

	if (len > 0)
		norm[0] = '\0';
	if (addr_parse_rcpt(arg, forms[0], sizeof(forms[0]), NULL) != ADDR_OK)
		return SUP_BAD_ADDRESS;
	snprintf(norm, len, "%s", forms[0]);
	for (n = 1; n < SUP_FORMS && addr_rcpt_route(forms[n - 1], forms[n],
	    sizeof(forms[n])) == 1; n++)
		;
	return check_forms(ct, primary, forms, n);
}
