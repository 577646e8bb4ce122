/*
 * counter.c - monthly counters in Redis, checked and counted atomically.
 *
 * A struct counters holds the settings it was opened with, a pool of idle
 * connections shared by the threads (one short lock to take or give one
 * back; a call uses its connection alone: counter_pool.c, whose rules
 * say when a command is sent again) and the quota_precheck memo. The
 * module's files are listed in counter_int.h.
 *
 * Dedupe: a message retried after its end-of-message answer was lost
 * carries the same Message-ID and is the same message. The script
 * remembers, per sender and SHA-256 of a Message-ID, the fingerprint of
 * the message last counted under it (milter.c: envelope recipients,
 * From, To, Cc, Date, Subject and the body) for dedupe_window, and
 * forgives up to dedupe_max_retries copies of exactly that message.
 * Anything else is counted, whatever its Message-ID says. The test and
 * the mark are in the same script as the counting, so two copies racing
 * cannot both go uncounted nor both be counted.
 */
#include <sys/random.h>
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include "lib/numfmt.h"
#include "redis/counter_int.h"
#include "lib/hostport.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "redis/sentinel.h"
#include "lib/siphash.h"

/* Open: copy the settings, parse the address once. */
struct counters *
ctr_open(const struct sg_conf *c, char *err, size_t errlen)
{
	struct counters	*ct;
	const char	*a = c->redis_address;
	int		 i;

	if ((ct = calloc(1, sizeof(*ct))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ct->refs = 1;
	pthread_mutex_init(&ct->mtx, NULL);
	if (c->redis_sentinels != NULL && c->redis_sentinels[0] != '\0') {
		ct->sentinel = sentinel_new(c->redis_sentinels,
		    c->redis_master_name, c->redis_sentinel_password,
		    c->redis_timeout, err, errlen);
		if (ct->sentinel == NULL)
			goto fail;
		if (asprintf(&ct->where, "master %s", c->redis_master_name) ==
		    -1)
			ct->where = NULL;
	} else if (strncmp(a, "unix:", 5) == 0) {
		ct->unix_path = strdup(a + 5);
		ct->where = strdup(a);
		if (ct->unix_path == NULL)
			goto nomem;
	} else {
		if (hostport_split(a, strlen(a), ct->host, sizeof(ct->host),
		    &ct->port) == -1) {
			snprintf(err, errlen, "redis_address %s: expected "
			    "HOST:PORT, [IPV6]:PORT or unix:/path", a);
			goto fail;
		}
		ct->where = strdup(a);
	}
	if (ct->where == NULL ||
	    (ct->prefix = strdup(c->redis_prefix)) == NULL ||
	    (c->redis_password != NULL &&
	    (ct->password = strdup(c->redis_password)) == NULL))
		goto nomem;
	ct->db = c->redis_db;
	ct->timeout = c->redis_timeout;
	ct->dedupe_window = c->dedupe_window;
	ct->dedupe_max_retries = c->dedupe_max_retries;
	ct->precheck = c->quota_precheck;
	if (c->quota_warn != NULL &&
	    (ct->nwarn = conf_quota_warn(c->quota_warn, ct->warn)) == -1)
		ct->nwarn = 0;
	for (i = 0; i < ct->nwarn; i++)
		snprintf(ct->warn_str[i], sizeof(ct->warn_str[i]), "%d",
		    ct->warn[i]);
	snprintf(ct->nwarn_str, sizeof(ct->nwarn_str), "%d", ct->nwarn);
	snprintf(ct->record_window, sizeof(ct->record_window), "%ld",
	    c->bounce_window);
	ct->rep_suspend = c->reputation_action == REPACT_SUSPEND;
	ct->rep_count = c->reputation_action != REPACT_OFF;
	snprintf(ct->rep_keep, sizeof(ct->rep_keep), "%ld",
	    (conf_reputation_days(c) + 1) * 86400000L);
	snprintf(ct->rep_days, sizeof(ct->rep_days), "%ld",
	    conf_reputation_days(c));
	ct->wait_replicas = c->redis_wait_replicas;
	ct->wait_timeout = c->redis_wait_timeout;
	ctr_script_sha(ctr_count_script, ct->sha);
	ctr_script_sha(ctr_reset_script, ct->reset_sha);
	ctr_script_sha(ctr_read_script, ct->read_sha);
	if (getrandom(ct->memo_key, sizeof(ct->memo_key), 0) !=
	    (ssize_t)sizeof(ct->memo_key))
		memset(ct->memo_key, 0x5a, sizeof(ct->memo_key));
	return ct;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	ctr_close(ct);
	return NULL;
}

/* Another reference. */
struct counters *
ctr_ref(struct counters *ct)
{
	__atomic_add_fetch(&ct->refs, 1, __ATOMIC_RELAXED);
	return ct;
}

/* Drop a reference; close and free with the last. */
void
ctr_close(struct counters *ct)
{
	if (ct == NULL ||
	    __atomic_sub_fetch(&ct->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	ctr_pool_flush(ct, 0);
	pthread_mutex_destroy(&ct->mtx);
	sentinel_free(ct->sentinel);
	free(ct->unix_path);
	free(ct->where);
	if (ct->password != NULL)
		explicit_bzero(ct->password, strlen(ct->password));
	free(ct->password);
	free(ct->prefix);
	free(ct);
}

/* A reply element as a count: nil is 0; -1 if not a number. */
static int
reply_count(const redisReply *r, long *out)
{
	char	*end;
	long	 v;
	size_t	 i;

	switch (r->type) {
	case REDIS_REPLY_NIL:
		*out = 0;
		return 0;
	case REDIS_REPLY_INTEGER:
		*out = (long)r->integer;
		return 0;
	case REDIS_REPLY_STRING:
		/* INCRBY's form, digits alone (no overflow in 18): read here */
		for (i = 0, v = 0; i < r->len && i < 18 && r->str[i] >= '0' &&
		    r->str[i] <= '9'; i++)
			v = v * 10 + (r->str[i] - '0');
		if (i > 0 && i == r->len) {
			*out = v;
			return 0;
		}
		/* anything else as strtol takes it */
		errno = 0;
		v = strtol(r->str, &end, 10);
		if (errno != 0 || end == r->str || *end != '\0' || v < 0)
			return -1;
		*out = v;
		return 0;
	default:
		return -1;
	}
}

/*
 * The names of a call's keys (month: now's) and its two counters into
 * fixed buffers, their lengths in len[0], len[1]; 0, or -1 (logged).
 */
static int
keys_now(struct counters *ct, struct ctr_names *nm, const char *primary,
    const char *sender, const char *month, char *skey, char *dkey,
    size_t len[2])
{
	int	 sl, dl;

	if (ctr_names_init(nm, ct->prefix, primary, sender, month) == -1 ||
	    (sl = ctr_name_sender(nm, skey, SG_KEY_MAX)) == -1 ||
	    (dl = ctr_name_domain(nm, dkey, SG_KEY_MAX)) == -1) {
		log_warnx("redis key too long for <%s>", sender);
		return -1;
	}
	len[0] = (size_t)sl;
	len[1] = (size_t)dl;
	return 0;
}

/* A command's arguments and their lengths, built in place. */
struct args {
	const char	**v;
	size_t		 *len;
	int		  n;
};

/* Add s (len octets) to a. */
static void
arg(struct args *a, const char *s, size_t len)
{
	a->v[a->n] = s;
	a->len[a->n++] = len;
}

/* Add a string that is not measured yet. */
static void
arg_str(struct args *a, const char *s)
{
	arg(a, s, strlen(s));
}

/* Add a key just built: its length, or -1 (then 0 is returned too). */
static int
arg_key(struct args *a, const char *key, int len)
{
	if (len < 0)
		return -1;
	arg(a, key, (size_t)len);
	return 0;
}

/* The memo's keyed hash of a sender or, with '@' first, a domain. */
static unsigned
memo_hash(struct counters *ct, const char *month, const char *at,
    const char *who)
{
	char		 buf[SG_MONTH_LEN + SG_KEY_MAX + 4];
	uint64_t	 h;
	int		 n;

	n = snprintf(buf, sizeof(buf), "%s %s%s", month, at, who);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	h = siphash24(ct->memo_key, buf, (size_t)n);
	return (unsigned)(h ^ h >> 32) | 1;	/* never 0, the empty slot */
}

/* Mark (on) or clear one memo entry. */
static void
memo_set(struct counters *ct, unsigned h, int on)
{
	unsigned	*slot = &ct->memo[h % MEMO_SLOTS];
	unsigned	 want = h;

	if (on)
		__atomic_store_n(slot, h, __ATOMIC_RELAXED);
	else
		(void)__atomic_compare_exchange_n(slot, &want, 0, 0,
		    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/* Is h marked? */
static int
memo_marked(struct counters *ct, unsigned h)
{
	return __atomic_load_n(&ct->memo[h % MEMO_SLOTS], __ATOMIC_RELAXED) ==
	    h;
}

/*
 * Note a call's outcome: counts known (at their limits or not), or not.
 * month: now's.
 */
static void
memo_note(struct counters *ct, const char *primary, const char *sender,
    const char *month, int ok, long s, long d, long slimit, long dlimit)
{
	if (ct->precheck != PRECHECK_KNOWN)
		return;
	__atomic_store_n(&ct->failing, !ok, __ATOMIC_RELAXED);
	if (!ok)
		return;
	memo_set(ct, memo_hash(ct, month, "", sender), slimit != LIMIT_NONE &&
	    s >= slimit);
	memo_set(ct, memo_hash(ct, month, "@", primary),
	    dlimit != LIMIT_NONE && d >= dlimit);
}

/* Must MAIL FROM read? */
int
ctr_must_read(struct counters *ct, const char *primary, const char *sender,
    time_t now)
{
	char	 month[SG_MONTH_LEN];

	if (ct->precheck != PRECHECK_KNOWN)
		return 1;
	if (__atomic_load_n(&ct->failing, __ATOMIC_RELAXED))
		return 1;
	ctr_month(now, month);
	return memo_marked(ct, memo_hash(ct, month, "", sender)) ||
	    memo_marked(ct, memo_hash(ct, month, "@", primary));
}

/* A small number as a string: the number of keys of a script call. */
static const char *
small_num(int n)
{
	static const char *const tab[] = {
		"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11",
		"12", "13", "14", "15", "16", "17", "18", "19", "20", "21",
		"22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
		"32", "33", "34", "35", "36", "37", "38", "39", "40"
	};

	return n >= 0 && (size_t)n < sizeof(tab) / sizeof(tab[0]) ? tab[n] :
	    "0";
}

/*
 * A suspension's value "<time> <reason>" (v, vlen octets) as its reason,
 * into out; "" for an empty value.
 */
static void
suspension_text(const char *v, size_t vlen, char *out, size_t len)
{
	const char	*p = v, *end = v + vlen;

	out[0] = '\0';
	if (vlen == 0)
		return;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (p < end && *p == ' ')
		p++;
	if (p == end || *p == '\0')
		snprintf(out, len, "reputation");
	else
		snprintf(out, len, "%.*s", (int)(end - p), p);
}

/* A reply's suspension value as its reason, into out ("" none). */
static void
suspension_reason(const redisReply *r, char *out, size_t len)
{
	out[0] = '\0';
	if (r->type != REDIS_REPLY_STRING)
		return;
	suspension_text(r->str, r->len, out, len);
}

/* Read both counters with one MGET. */
enum ctr_result
ctr_read(struct counters *ct, const char *primary, const char *sender,
    time_t now, long slimit, long dlimit, long *scount, long *dcount)
{
	return ctr_read_more(ct, primary, sender, now, slimit, dlimit, scount,
	    dcount, NULL);
}

/*
 * Read the counters, and what more asks, in one round trip: MGET (with
 * the suspension keys when they are checked) or, when windows apply,
 * the read script.
 */
enum ctr_result
ctr_read_more(struct counters *ct, const char *primary, const char *sender,
    time_t now, long slimit, long dlimit, long *scount, long *dcount,
    struct ctr_more *more)
{
	char		 skey[SG_KEY_MAX], dkey[SG_KEY_MAX], month[SG_MONTH_LEN];
	char		 xkey[2][SG_KEY_MAX + 8];
	char		 tkey[2 * SG_RATES_MAX][SG_KEY_MAX + 16];
	const char	*argv[8 + 4 * SG_RATES_MAX];
	size_t		 argvlen[8 + 4 * SG_RATES_MAX], klen[2];
	struct args	 a = { argv, argvlen, 0 };
	struct ctr_names nm;
	struct ctr_arena ar;
	struct conn	 cn;
	redisReply	*r;
	enum ctr_result	 ret = CTR_FAILED;
	size_t		 i, nr = 0, nkeys, want;
	int		 script, susp;
	long		 v;

	ctr_arena_init(&ar);
	ctr_month(now, month);
	if (keys_now(ct, &nm, primary, sender, month, skey, dkey, klen) ==
	    -1)
		goto out;
	if (more != NULL) {
		more->suspended[0] = '\0';
		nr = more->nsrates + more->ndrates;
	}
	script = nr > 0;
	susp = more != NULL && (ct->rep_suspend || script);
	if (script) {
		arg(&a, "EVALSHA", 7);
		arg(&a, ct->read_sha, sizeof(ct->read_sha) - 1);
		arg(&a, NULL, 0);		/* the number of keys */
	} else
		arg(&a, "MGET", 4);
	arg(&a, skey, klen[0]);
	arg(&a, dkey, klen[1]);
	if (susp && (arg_key(&a, xkey[0], ctr_name_rep(&nm, "rs", 1, xkey[0],
	    sizeof(xkey[0]))) == -1 || arg_key(&a, xkey[1], ctr_name_rep(&nm,
	    "rs", 0, xkey[1], sizeof(xkey[1]))) == -1)) {
		log_warnx("redis key too long for <%s>", sender);
		goto out;
	}
	for (i = 0; i < nr; i++) {
		if (arg_key(&a, tkey[i], ctr_name_rate(&nm, i < more->nsrates ?
		    &more->srates[i] : &more->drates[i - more->nsrates],
		    i < more->nsrates, tkey[i], sizeof(tkey[i]))) == -1) {
			log_warnx("redis key too long for <%s>", sender);
			goto out;
		}
	}
	nkeys = (size_t)a.n - (script ? 3 : 1);
	if (script) {
		argv[2] = small_num((int)nkeys);
		argvlen[2] = strlen(argv[2]);
		for (i = 0; i < nr; i++)
			arg_str(&a, i < more->nsrates ?
			    more->srates[i].msstr :
			    more->drates[i - more->nsrates].msstr);
	}
	if ((r = ctr_run(ct, &cn, a.n, argv, argvlen, script ?
	    ctr_read_script : NULL, 1, &ar)) == NULL)
		goto out;
	ctr_conn_give(ct, &cn);
	want = nkeys;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == want &&
	    reply_count(r->element[0], scount) == 0 &&
	    reply_count(r->element[1], dcount) == 0) {
		ret = CTR_COUNTED;
		if (susp && ct->rep_suspend) {
			suspension_reason(r->element[2], more->suspended,
			    sizeof(more->suspended));
			if (more->suspended[0] == '\0')
				suspension_reason(r->element[3],
				    more->suspended, sizeof(more->suspended));
		}
		for (i = 0; i < nr; i++) {
			if (reply_count(r->element[4 + i], &v) == -1)
				v = 0;
			if (i < more->nsrates)
				more->sused[i] = v;
			else
				more->dused[i - more->nsrates] = v;
		}
	} else
		log_warnx("redis %s %s: %s", script ? "read" : "MGET", skey,
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
out:
	ctr_arena_release(&ar);
	memo_note(ct, primary, sender, month, ret == CTR_COUNTED,
	    ret == CTR_COUNTED ? *scount : 0, ret == CTR_COUNTED ? *dcount : 0,
	    slimit, dlimit);
	return ret;
}

/* WAIT for wait_replicas replicas on the connection that wrote; 0 or -1. */
static int
wait_replicas(struct counters *ct, struct conn *cn)
{
	redisReply	*r;
	int		 ret = -1;

	r = redisCommand(cn->rc, "WAIT %ld %ld", ct->wait_replicas,
	    ct->wait_timeout);
	if (r == NULL) {
		ctr_conn_drop(ct, cn);
		return -1;
	}
	if (r->type == REDIS_REPLY_INTEGER && r->integer >= ct->wait_replicas)
		ret = 0;
	else if (r->type == REDIS_REPLY_INTEGER)
		log_warnx("redis %s: the count reached %lld of %ld replicas "
		    "within %ld ms: tempfail", ct->where, r->integer,
		    ct->wait_replicas, ct->wait_timeout);
	else
		log_warnx("redis %s WAIT: %s", ct->where,
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	freeReplyObject(r);
	ctr_conn_give(ct, cn);
	return ret;
}

/* The thresholds crossed, from the bits the script returned. */
static void
warn_bits(const struct counters *ct, long long w, struct ctr_warned *out)
{
	int	 i;

	for (i = 0; i < ct->nwarn; i++) {
		if (w & (1LL << (2 * i)))
			out->sender[out->nsender++] = ct->warn[i];
		if (w & (1LL << (2 * i + 1)))
			out->domain[out->ndomain++] = ct->warn[i];
	}
}

/* ctr_commit without warnings. */
enum ctr_result
ctr_commit(struct counters *ct, const char *primary, const char *sender,
    const char *msgid_hash, const char *fingerprint, time_t now, long n,
    long slimit, long dlimit, long *scount, long *dcount)
{
	return ctr_commit_warn(ct, primary, sender, msgid_hash, fingerprint,
	    now, n, slimit, dlimit, scount, dcount, NULL, NULL);
}

/*
 * Check and count atomically (and forgive a retry of the same message);
 * record the accepted message in the same call.
 */
enum ctr_result
ctr_commit_warn(struct counters *ct, const char *primary, const char *sender,
    const char *msgid_hash, const char *fingerprint, time_t now, long n,
    long slimit, long dlimit, long *scount, long *dcount,
    struct ctr_warned *warned, const struct ctr_record *rec)
{
	char		 skey[SG_KEY_MAX], dkey[SG_KEY_MAX];
	char		 mkey[SG_KEY_MAX + SG_MSGID_HASH_LEN + SG_MONTH_LEN];
	char		 rkey[SG_KEY_MAX + SG_MSGID_HASH_LEN + 64];
	char		 num[6][SG_NUM_LEN], month[SG_MONTH_LEN];
	char		 wkey[2 * SG_WARN_MAX][SG_KEY_MAX + 16];
	char		 xkey[4][SG_KEY_MAX + 8];	/* rs s, d; rp s, d */
	char		 tkey[2 * SG_RATES_MAX][SG_KEY_MAX + 16];
	char		 dayb[SG_NUM_LEN], rcb[SG_NUM_LEN];
	/* the fixed part, then the recipients: 8 KB of pointers at most */
	const char	*argv[40 + 3 * SG_WARN_MAX + 6 * SG_RATES_MAX +
			    SG_RECORD_RCPTS];
	size_t		 argvlen[40 + 3 * SG_WARN_MAX + 6 * SG_RATES_MAX +
			    SG_RECORD_RCPTS];
	size_t		 klen[2];
	struct args	 a = { argv, argvlen, 0 };
	struct ctr_names nm;
	struct ctr_arena ar;
	struct ctr_answer ans;
	const struct sg_rate *rt[2 * SG_RATES_MAX];
	struct conn	 cn;
	redisReply	*r;
	enum ctr_result	 ret = CTR_FAILED;
	int		 i, dedupe, record, nwarn, susp, rep, ml, rl;
	int		 xl[4] = { 0, 0, 0, 0 }, tl[2 * SG_RATES_MAX];
	size_t		 j, nr, nt = 0;
	long long	 v;
	time_t		 expiry;

	ctr_arena_init(&ar);
	/* the month and the keys' expiry: one look at TZ a message */
	ctr_month_expiry(now, month, &expiry);
	if (keys_now(ct, &nm, primary, sender, month, skey, dkey, klen) ==
	    -1)
		goto out;
	dedupe = msgid_hash != NULL && msgid_hash[0] != '\0' &&
	    fingerprint != NULL && fingerprint[0] != '\0' &&
	    ct->dedupe_window > 0 && ct->dedupe_max_retries > 0;
	ml = dedupe ? ctr_name_msgid(&nm, msgid_hash, mkey, sizeof(mkey)) : 0;
	if (ml == -1) {
		log_warnx("redis key too long for <%s>", sender);
		goto out;
	}
	/* no name to record under (no Message-ID, no queue id): none */
	rl = rec != NULL && strcmp(ct->record_window, "0") != 0 ?
	    ctr_name_record(&nm, msgid_hash, rec->qid, rkey, sizeof(rkey)) :
	    -1;
	record = rl != -1;
	nwarn = warned != NULL ? ct->nwarn : 0;
	susp = rec != NULL && ct->rep_suspend;
	rep = rec != NULL && ct->rep_count && rec->accepted > 0;
	if ((susp && ((xl[0] = ctr_name_rep(&nm, "rs", 1, xkey[0],
	    sizeof(xkey[0]))) == -1 || (xl[1] = ctr_name_rep(&nm, "rs", 0,
	    xkey[1], sizeof(xkey[1]))) == -1)) ||
	    (rep && ((xl[2] = ctr_name_rep(&nm, "rp", 1, xkey[2],
	    sizeof(xkey[2]))) == -1 || (xl[3] = ctr_name_rep(&nm, "rp", 0,
	    xkey[3], sizeof(xkey[3]))) == -1)))
		goto toolong;
	for (j = 0; rec != NULL && j < rec->nsrates + rec->ndrates &&
	    j < 2 * SG_RATES_MAX; j++) {
		rt[nt] = j < rec->nsrates ? &rec->srates[j] :
		    &rec->drates[j - rec->nsrates];
		if ((tl[nt] = ctr_name_rate(&nm, rt[nt], j < rec->nsrates,
		    tkey[nt], sizeof(tkey[nt]))) == -1)
			goto toolong;
		nt++;
	}
	/* by argument vector: no format string to parse per message */
	sg_ltoa(n, num[0]);
	sg_ltoa(slimit, num[1]);
	sg_ltoa(dlimit, num[2]);
	sg_ltoa((long long)expiry, num[3]);
	sg_ltoa(dedupe ? ct->dedupe_window : 0L, num[4]);
	sg_ltoa(ct->dedupe_max_retries, num[5]);
	arg(&a, "EVALSHA", 7);
	arg(&a, ct->sha, sizeof(ct->sha) - 1);
	arg(&a, NULL, 0);		/* the number of keys, below */
	arg(&a, skey, klen[0]);
	arg(&a, dkey, klen[1]);
	if (dedupe)
		arg(&a, mkey, (size_t)ml);
	if (record)
		arg(&a, rkey, (size_t)rl);
	for (i = 0; i < nwarn; i++) {
		if (ctr_name_warn(&nm, ct->warn_str[i], wkey[2 * i],
		    wkey[2 * i + 1], sizeof(wkey[0]), klen) == -1)
			goto toolong;
		arg(&a, wkey[2 * i], klen[0]);
		arg(&a, wkey[2 * i + 1], klen[1]);
	}
	if (susp) {
		arg(&a, xkey[0], (size_t)xl[0]);
		arg(&a, xkey[1], (size_t)xl[1]);
	}
	if (rep) {
		arg(&a, xkey[2], (size_t)xl[2]);
		arg(&a, xkey[3], (size_t)xl[3]);
	}
	for (j = 0; j < nt; j++)
		arg(&a, tkey[j], (size_t)tl[j]);
	argv[2] = small_num(a.n - 3);
	argvlen[2] = strlen(argv[2]);
	for (i = 0; i < 5; i++)
		arg_str(&a, num[i]);
	if (dedupe)
		arg_str(&a, fingerprint);
	else
		arg(&a, "", 0);
	arg_str(&a, num[5]);
	arg_str(&a, nwarn > 0 ? ct->nwarn_str : "0");
	for (i = 0; i < nwarn; i++)
		arg_str(&a, ct->warn_str[i]);
	arg(&a, susp ? "1" : "0", 1);
	arg_str(&a, rep ? sg_ltoa((long long)(now / 86400), dayb) :
	    "0");
	arg_str(&a, ct->rep_keep);
	arg_str(&a, ct->rep_days);
	arg_str(&a, rep ? sg_ltoa((long long)rec->accepted, rcb) : "0");
	arg_str(&a, small_num((int)nt));
	for (j = 0; j < nt; j++) {
		arg_str(&a, rt[j]->nstr);
		arg_str(&a, rt[j]->msstr);
	}
	arg_str(&a, record ? ct->record_window : "0");
	if (record) {
		arg_str(&a, rec->qid != NULL ? rec->qid : "");
		/* the milter's own strings, as they are: no copy */
		nr = rec->nrcpts < SG_RECORD_RCPTS ? rec->nrcpts :
		    SG_RECORD_RCPTS;
		for (j = 0; j < nr; j++)
			if (rec->rcpts[j][0] != '#')
				arg_str(&a, rec->rcpts[j]);
	}
	if (warned != NULL) {
		warned->nsender = warned->ndomain = 0;
		warned->full = NULL;
		warned->suspended[0] = '\0';
	}
	if ((r = ctr_run(ct, &cn, a.n, argv, argvlen, ctr_count_script, 0,
	    &ar)) == NULL)
		goto out;
	if (r->type == REDIS_REPLY_STRING &&
	    ctr_count_parse(r->str, r->len, &ans) == 0) {
		*scount = ans.s;
		*dcount = ans.d;
		v = ans.v;
		ret = v == 1 ? CTR_COUNTED : v == 2 ? CTR_RETRY : v == 3 ?
		    CTR_RATE : v == 4 ? CTR_SUSPENDED : CTR_LIMIT;
		if (v == 1 && warned != NULL && ans.has_x)
			warn_bits(ct, ans.x, warned);
		if (v == 3 && warned != NULL && ans.has_x && ans.x >= 1 &&
		    (size_t)ans.x <= nt)
			warned->full = rt[ans.x - 1];
		if (v == 4 && warned != NULL && ans.rest != NULL)
			suspension_text(ans.rest, ans.restlen,
			    warned->suspended, sizeof(warned->suspended));
	} else
		log_warnx("redis EVALSHA %s: %s", skey,
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	if (ret != CTR_LIMIT && ret != CTR_FAILED && ct->wait_replicas > 0) {
		if (wait_replicas(ct, &cn) == -1)
			ret = CTR_FAILED;
	} else
		ctr_conn_give(ct, &cn);
	goto out;
toolong:
	log_warnx("redis: no room for the keys of <%s>", sender);
out:
	ctr_arena_release(&ar);
	/* a sender found over a rate or suspended is read at MAIL FROM */
	memo_note(ct, primary, sender, month, ret != CTR_FAILED,
	    ret != CTR_FAILED ? *scount : 0, ret != CTR_FAILED ? *dcount : 0,
	    ret == CTR_RATE || ret == CTR_SUSPENDED ? 0 : slimit, dlimit);
	return ret;
}

/* A sender's count of a month to 0, and off its domain's. */
int
ctr_reset(struct counters *ct, const char *primary, const char *sender,
    const char *month, long *was)
{
	char		 skey[SG_KEY_MAX], dkey[SG_KEY_MAX];
	const char	*argv[5];
	struct conn	 cn;
	redisReply	*r;
	int		 ret = -1;

	if (ctr_keys(ct->prefix, primary, sender, month, skey, sizeof(skey),
	    dkey, sizeof(dkey)) == -1)
		return -1;
	argv[0] = "EVALSHA";
	argv[1] = ct->reset_sha;
	argv[2] = "2";
	argv[3] = skey;
	argv[4] = dkey;
	if ((r = ctr_run(ct, &cn, 5, argv, NULL, ctr_reset_script, 0,
	    NULL)) == NULL)
		return -1;
	ctr_conn_give(ct, &cn);
	if (r->type == REDIS_REPLY_INTEGER) {
		*was = (long)r->integer;
		ret = 0;
	} else
		log_warnx("redis reset %s: %s", skey,
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	freeReplyObject(r);
	return ret;
}
