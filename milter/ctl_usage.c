/*
 * ctl_usage.c - this month's counts against the limits, for people
 * (a table with percent and a bar) and for scripts (JSON), and the
 * reset of one sender's count.
 *
 * Reading goes through counter.c (ctr_read: the daemon's key names and
 * month). The reset is the tool's own: one Lua script sets the sender's
 * counter to 0 and takes its count off the domain's counter, so the
 * domain's count stays the sum of what its senders sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "counter.h"
#include "ctl.h"

#define BAR_WIDTH	20

/* KEYS: sender key, domain key. Returns the sender's count before. */
static const char reset_script[] =
	"local s = tonumber(redis.call('GET', KEYS[1]) or '0') or 0\n"
	"local d = tonumber(redis.call('GET', KEYS[2]) or '0') or 0\n"
	"redis.call('DEL', KEYS[1])\n"
	"if d > 0 and s > 0 then\n"
	"  redis.call('DECRBY', KEYS[2], math.min(s, d))\n"
	"end\n"
	"return s\n";

/* A time in month "YYYY-MM": the 15th at noon, local time (TZ). */
time_t
ctl_month_time(const char *month)
{
	struct tm	 tm;
	int		 y, m;
	char		 tail;

	if (strlen(month) != 7 || month[4] != '-' ||
	    sscanf(month, "%4d-%2d%c", &y, &m, &tail) != 2 ||
	    y < 1970 || y > 9999 || m < 1 || m > 12)
		return (time_t)-1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = 15;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* One JSON string, escaped. */
static void
json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

/* Percent of the limit used (a limit of 0 is always reached). */
static long
percent(long count, long limit)
{
	if (limit == 0)
		return 100;		/* may not send: at the limit */
	return (long)((count * 100.0) / (double)limit + 0.5);
}

/* Rows as a table or JSON. */
void
ctl_usage_print(FILE *fp, const char *month, const struct ctl_usage_row *r,
    size_t n, int json)
{
	char	 bar[BAR_WIDTH + 1], lim[24], cnt[24];
	size_t	 i, w = 24, k, fill;
	long	 pc;

	if (json) {
		fprintf(fp, "{\"month\": ");
		json_str(fp, month);
		fprintf(fp, ", \"rows\": [");
		for (i = 0; i < n; i++) {
			fprintf(fp, "%s\n  {\"kind\": ", i ? "," : "");
			json_str(fp, r[i].kind);
			fprintf(fp, ", \"name\": ");
			json_str(fp, r[i].name);
			if (r[i].count < 0)
				fprintf(fp, ", \"count\": null");
			else
				fprintf(fp, ", \"count\": %ld", r[i].count);
			if (r[i].limit == LIMIT_NONE)
				fprintf(fp, ", \"limit\": null, "
				    "\"percent\": null}");
			else
				fprintf(fp, ", \"limit\": %ld, \"percent\": "
				    "%ld}", r[i].limit, r[i].count < 0 ? 0 :
				    percent(r[i].count, r[i].limit));
		}
		fprintf(fp, "\n]}\n");
		return;
	}
	for (i = 0; i < n; i++)
		if (strlen(r[i].name) + 7 > w)
			w = strlen(r[i].name) + 7;
	fprintf(fp, "month %s\n%-*s %9s %9s %5s\n", month, (int)w, "",
	    "count", "limit", "used");
	for (i = 0; i < n; i++) {
		if (r[i].count < 0)
			snprintf(cnt, sizeof(cnt), "?");
		else
			snprintf(cnt, sizeof(cnt), "%ld", r[i].count);
		fprintf(fp, "%s%-*s %9s", strcmp(r[i].kind, "domain") == 0 ?
		    "domain " : "  ", (int)w - (strcmp(r[i].kind, "domain") ==
		    0 ? 7 : 2), r[i].name, cnt);
		if (r[i].limit == LIMIT_NONE) {
			fprintf(fp, " %9s %5s\n", "none", "-");
			continue;
		}
		snprintf(lim, sizeof(lim), "%ld", r[i].limit);
		pc = r[i].count < 0 ? 0 : percent(r[i].count, r[i].limit);
		fill = (size_t)(pc >= 100 ? BAR_WIDTH : pc * BAR_WIDTH / 100);
		for (k = 0; k < BAR_WIDTH; k++)
			bar[k] = k < fill ? '#' : '.';
		bar[BAR_WIDTH] = '\0';
		fprintf(fp, " %9s %4ld%% [%s]%s\n", lim, pc, bar,
		    r[i].count >= r[i].limit ? " LIMIT REACHED" : "");
	}
}

/* A connection like the daemon's (address, AUTH, SELECT); NULL reported. */
static redisContext *
connect_redis(const struct sg_conf *c)
{
	redisContext	*rc;
	redisReply	*r;
	struct timeval	 tv;
	char		 host[256];
	const char	*colon;
	size_t		 hl;

	tv.tv_sec = c->redis_timeout / 1000 + 2;
	tv.tv_usec = 0;
	if (strncmp(c->redis_address, "unix:", 5) == 0)
		rc = redisConnectUnixWithTimeout(c->redis_address + 5, tv);
	else {
		if ((colon = strrchr(c->redis_address, ':')) == NULL)
			return NULL;
		hl = (size_t)(colon - c->redis_address);
		if (c->redis_address[0] == '[' && hl >= 2)
			snprintf(host, sizeof(host), "%.*s", (int)(hl - 2),
			    c->redis_address + 1);
		else
			snprintf(host, sizeof(host), "%.*s", (int)hl,
			    c->redis_address);
		rc = redisConnectWithTimeout(host, atoi(colon + 1), tv);
	}
	if (rc == NULL || rc->err) {
		fprintf(stderr, "sendergatectl: redis %s: %s\n",
		    c->redis_address, rc ? rc->errstr : "out of memory");
		redisFree(rc);
		return NULL;
	}
	redisSetTimeout(rc, tv);
	if (c->redis_password != NULL) {
		r = redisCommand(rc, "AUTH %s", c->redis_password);
		if (r == NULL || r->type == REDIS_REPLY_ERROR)
			goto fail;
		freeReplyObject(r);
	}
	if (c->redis_db != 0) {
		r = redisCommand(rc, "SELECT %ld", c->redis_db);
		if (r == NULL || r->type == REDIS_REPLY_ERROR)
			goto fail;
		freeReplyObject(r);
	}
	return rc;
fail:
	fprintf(stderr, "sendergatectl: redis %s: %s\n", c->redis_address,
	    r ? r->str : rc->errstr);
	if (r != NULL)
		freeReplyObject(r);
	redisFree(rc);
	return NULL;
}

/* Reset a sender's counter of a month. 0, or -1 (reported). */
int
ctl_usage_reset(const struct sg_conf *c, const char *primary,
    const char *sender, const char *month, long *was)
{
	char		 skey[SG_KEY_MAX], dkey[SG_KEY_MAX];
	redisContext	*rc;
	redisReply	*r;
	int		 ret = -1;

	if (ctr_keys(c->redis_prefix, primary, sender, month, skey,
	    sizeof(skey), dkey, sizeof(dkey)) == -1) {
		fprintf(stderr, "sendergatectl: key too long for <%s>\n",
		    sender);
		return -1;
	}
	if ((rc = connect_redis(c)) == NULL)
		return -1;
	r = redisCommand(rc, "EVAL %s 2 %s %s", reset_script, skey, dkey);
	if (r != NULL && r->type == REDIS_REPLY_INTEGER) {
		*was = (long)r->integer;
		ret = 0;
	} else
		fprintf(stderr, "sendergatectl: redis reset %s: %s\n", skey,
		    r == NULL ? rc->errstr : r->type == REDIS_REPLY_ERROR ?
		    r->str : "unexpected reply");
	if (r != NULL)
		freeReplyObject(r);
	redisFree(rc);
	return ret;
}
