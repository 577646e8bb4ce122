/*
 * reputation.c - bounces and complaints counted per day, suspensions and
 * warning marks, in Redis (see reputation.h; the keys are counter.h's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "lib/log.h"
#include "redis/reputation.h"

/*
 * KEYS: the reputation hashes (the sender's, the domain's). ARGV: the
 * kind to add one of ("" none), today (days since 1970), the window in
 * days, the hashes' life (ms). Returns per key: recipients, bounces,
 * complaints of the window's days (today and the days before it), and
 * the "since" field (0 when none).
 */
static const char rep_script[] =
	"local day = tonumber(ARGV[2])\n"
	"local from = day - tonumber(ARGV[3]) + 1\n"
	"local out = {}\n"
	"for i = 1, #KEYS do\n"
	"  if ARGV[1] ~= '' then\n"
	"    redis.call('HINCRBY', KEYS[i], ARGV[1] .. ':' .. day, 1)\n"
	"    redis.call('PEXPIRE', KEYS[i], ARGV[4])\n"
	"  end\n"
	"  local n = {r = 0, b = 0, c = 0}\n"
	"  local since = 0\n"
	"  local h = redis.call('HGETALL', KEYS[i])\n"
	"  for j = 1, #h, 2 do\n"
	"    local k, d = string.match(h[j], '^(%a):(%d+)$')\n"
	"    if k and n[k] and tonumber(d) >= from then\n"
	"      n[k] = n[k] + (tonumber(h[j + 1]) or 0)\n"
	"    elseif h[j] == 'since' then\n"
	"      since = tonumber(h[j + 1]) or 0\n"
	"    end\n"
	"  end\n"
	"  out[#out + 1] = n.r\n"
	"  out[#out + 1] = n.b\n"
	"  out[#out + 1] = n.c\n"
	"  out[#out + 1] = since\n"
	"end\n"
	"return out\n";

/* An integer element, 0 when not one. */
static long
elem(const redisReply *r, size_t i)
{
	return i < r->elements && r->element[i]->type == REDIS_REPLY_INTEGER ?
	    (long)r->element[i]->integer : 0;
}

/* Read a suspension key into c. 0, or -1. */
static int
read_suspension(struct counters *ct, const char *key, struct rep_counts *c)
{
	const char	*argv[2] = { "GET", key };
	redisReply	*r;
	char		*end;

	c->suspended[0] = '\0';
	c->suspended_at = 0;
	if ((r = ctr_command(ct, 2, argv, 1)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_STRING) {
		c->suspended_at = (time_t)strtoll(r->str, &end, 10);
		if (*end == ' ')
			end++;
		snprintf(c->suspended, sizeof(c->suspended), "%s",
		    *end != '\0' ? end : "reputation");
	}
	freeReplyObject(r);
	return 0;
}

/* Add an event and read both windows. */
int
rep_event(struct counters *ct, const struct sg_conf *c, const char *primary,
    const char *sender, char kind, time_t now, struct rep_counts *s,
    struct rep_counts *d)
{
	char		 sk[SG_KEY_MAX + 8], dk[SG_KEY_MAX + 8], xs[SG_KEY_MAX + 8];
	char		 xd[SG_KEY_MAX + 8], kb[2] = { kind, '\0' }, day[24];
	char		 days[24], keep[24];
	const char	*argv[9];
	redisReply	*r;
	long		 wdays = conf_reputation_days(c), first;
	int		 ret = -1;

	memset(s, 0, sizeof(*s));
	memset(d, 0, sizeof(*d));
	if (ctr_rep_key(ctr_prefix(ct), primary, sender, "rp", sk,
	    sizeof(sk)) == -1 || ctr_rep_key(ctr_prefix(ct), primary, NULL,
	    "rp", dk, sizeof(dk)) == -1 || ctr_rep_key(ctr_prefix(ct), primary,
	    sender, "rs", xs, sizeof(xs)) == -1 || ctr_rep_key(ctr_prefix(ct),
	    primary, NULL, "rs", xd, sizeof(xd)) == -1) {
		log_warnx("reputation: key too long for <%s>", sender);
		return -1;
	}
	snprintf(day, sizeof(day), "%lld", (long long)(now / 86400));
	snprintf(days, sizeof(days), "%ld", wdays);
	snprintf(keep, sizeof(keep), "%ld", (wdays + 1) * 86400000L);
	argv[0] = "EVAL";
	argv[1] = rep_script;
	argv[2] = "2";
	argv[3] = sk;
	argv[4] = dk;
	argv[5] = kb;
	argv[6] = day;
	argv[7] = days;
	argv[8] = keep;
	if ((r = ctr_command(ct, 9, argv, kind == 0)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 8) {
		/* the window: its days, or since a reinstatement */
		first = (long)(now / 86400) - wdays + 1;
		s->rcpts = elem(r, 0);
		s->bounces = elem(r, 1);
		s->complaints = elem(r, 2);
		s->since = elem(r, 3) > first * 86400L ? elem(r, 3) :
		    first * 86400L;
		d->rcpts = elem(r, 4);
		d->bounces = elem(r, 5);
		d->complaints = elem(r, 6);
		d->since = elem(r, 7) > first * 86400L ? elem(r, 7) :
		    first * 86400L;
		ret = 0;
	} else
		log_warnx("reputation of <%s>: unexpected reply", sender);
	freeReplyObject(r);
	if (ret == 0 && (read_suspension(ct, xs, s) == -1 ||
	    read_suspension(ct, xd, d) == -1))
		ret = -1;
	return ret;
}

/* SET NX of "<time> <reason>". */
int
rep_suspend(struct counters *ct, const char *primary, const char *sender,
    const char *reason, time_t now)
{
	char		 key[SG_KEY_MAX + 8], val[SG_REASON_MAX + 24];
	const char	*argv[4];
	redisReply	*r;
	int		 ret;

	if (ctr_rep_key(ctr_prefix(ct), primary, sender, "rs", key,
	    sizeof(key)) == -1)
		return -1;
	snprintf(val, sizeof(val), "%lld %s", (long long)now, reason);
	argv[0] = "SET";
	argv[1] = key;
	argv[2] = val;
	argv[3] = "NX";
	if ((r = ctr_command(ct, 4, argv, 0)) == NULL)
		return -1;
	ret = r->type == REDIS_REPLY_STATUS ? 1 : 0;
	freeReplyObject(r);
	return ret;
}

/* The warning mark of a kind: SET NX, expiring after the window. */
int
rep_warn_mark(struct counters *ct, const struct sg_conf *c,
    const char *primary, const char *sender, char kind)
{
	char		 key[SG_KEY_MAX + 16], ms[24];
	const char	*argv[6];
	redisReply	*r;
	size_t		 n;
	int		 ret;

	if (ctr_rep_key(ctr_prefix(ct), primary, sender, "rw", key,
	    sizeof(key) - 4) == -1)
		return -1;
	n = strlen(key);
	key[n] = ':';
	key[n + 1] = kind;
	key[n + 2] = '\0';
	snprintf(ms, sizeof(ms), "%ld", conf_reputation_days(c) * 86400000L);
	argv[0] = "SET";
	argv[1] = key;
	argv[2] = "1";
	argv[3] = "NX";
	argv[4] = "PX";
	argv[5] = ms;
	if ((r = ctr_command(ct, 6, argv, 0)) == NULL)
		return -1;
	ret = r->type == REDIS_REPLY_STATUS ? 1 : 0;
	freeReplyObject(r);
	return ret;
}

/* DEL the suspension, the counts and the marks; "since" now. */
int
rep_reinstate(struct counters *ct, const struct sg_conf *c,
    const char *primary, const char *sender, time_t now, int *was)
{
	char		 rs[SG_KEY_MAX + 8], rp[SG_KEY_MAX + 8];
	char		 wb[SG_KEY_MAX + 16], wc[SG_KEY_MAX + 16];
	char		 t[24], keep[24];
	const char	*argv[5];
	redisReply	*r;
	size_t		 n;

	*was = 0;
	if (ctr_rep_key(ctr_prefix(ct), primary, sender, "rs", rs,
	    sizeof(rs)) == -1 || ctr_rep_key(ctr_prefix(ct), primary, sender,
	    "rp", rp, sizeof(rp)) == -1 || ctr_rep_key(ctr_prefix(ct),
	    primary, sender, "rw", wb, sizeof(wb) - 4) == -1)
		return -1;
	n = strlen(wb);
	memcpy(wc, wb, n);
	memcpy(wb + n, ":b", 3);
	memcpy(wc + n, ":c", 3);
	argv[0] = "DEL";
	argv[1] = rs;
	if ((r = ctr_command(ct, 2, argv, 1)) == NULL)
		return -1;
	*was = r->type == REDIS_REPLY_INTEGER && r->integer > 0;
	freeReplyObject(r);
	argv[1] = rp;
	argv[2] = wb;
	argv[3] = wc;
	if ((r = ctr_command(ct, 4, argv, 1)) == NULL)
		return -1;
	freeReplyObject(r);
	snprintf(t, sizeof(t), "%lld", (long long)now);
	argv[0] = "HSET";
	argv[1] = rp;
	argv[2] = "since";
	argv[3] = t;
	if ((r = ctr_command(ct, 4, argv, 1)) == NULL)
		return -1;
	freeReplyObject(r);
	snprintf(keep, sizeof(keep), "%ld",
	    (conf_reputation_days(c) + 1) * 86400000L);
	argv[0] = "PEXPIRE";
	argv[2] = keep;
	if ((r = ctr_command(ct, 3, argv, 1)) == NULL)
		return -1;
	freeReplyObject(r);
	return 0;
}
