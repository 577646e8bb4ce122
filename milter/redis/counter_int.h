/*
 * counter_int.h - inside the counters module (redis/counter*.c); its
 * interface to the rest is counter.h.
 *
 *   counter.c         open, close, the quota_precheck memo, read,
 *                     commit (the count, its warnings and WAIT), reset
 *   counter_script.c  the Lua scripts the counting runs, and their SHA-1
 *   counter_pool.c    connections: the pool, Sentinel, the retry rules,
 *                     and ctr_command for the other modules' keys
 *   counter_keys.c    key names and months, pure (no Redis)
 *   counter_record.c  reading the record of accepted messages (learn)
 *   counter_arena.c   replies built on the caller's stack (no malloc)
 */
#ifndef SG_COUNTER_INT_H
#define SG_COUNTER_INT_H

#include <pthread.h>

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include "redis/counter.h"

#define CTR_IDLE_MAX	64		/* idle connections kept */
#define MEMO_SLOTS	4096		/* quota_precheck memo */
#define HOST_MAX	256

struct counters {
	int		 refs;			/* atomic; see ctr_ref */
	/* where */
	char		*unix_path;		/* or NULL: host, port */
	char		 host[HOST_MAX];
	int		 port;
	struct sentinel	*sentinel;		/* or NULL */
	char		*where;			/* for log lines */
	/* how */
	char		*password;		/* or NULL */
	long		 db;
	char		*prefix;
	long		 timeout;		/* ms */
	long		 dedupe_window;		/* ms */
	long		 dedupe_max_retries;
	int		 precheck;		/* enum sg_precheck */
	int		 warn[SG_WARN_MAX];	/* quota_warn percentages */
	int		 nwarn;
	/* the script's constant arguments, formatted once */
	char		 warn_str[SG_WARN_MAX][12];
	char		 nwarn_str[12];
	char		 record_window[24];	/* ms, "0": no record */
	int		 rep_suspend;		/* reputation_action suspend */
	int		 rep_count;		/* reputation_action not off */
	char		 rep_keep[24];		/* ms: the window and a day */
	char		 rep_days[12];		/* the window in days */
	long		 wait_replicas;		/* 0: no WAIT */
	long		 wait_timeout;		/* ms */
	char		 sha[2 * SHA_DIGEST_LENGTH + 1];
	char		 reset_sha[2 * SHA_DIGEST_LENGTH + 1];
	char		 read_sha[2 * SHA_DIGEST_LENGTH + 1];
	/* the pool: connections of older generations are closed on return */
	pthread_mutex_t	 mtx;
	redisContext	*idle[CTR_IDLE_MAX];
	unsigned	 idle_gen[CTR_IDLE_MAX];
	size_t		 nidle;
	unsigned	 gen;
	/*
	 * quota_precheck = known: senders and domains seen at their limit
	 * this month, as keyed hashes of "MONTH sender" and "MONTH @primary"
	 * in slot hash % MEMO_SLOTS (0: empty). Lossy both ways, and safe
	 * both ways: a collision or a stale mark costs one read at MAIL FROM;
	 * an overwritten mark lets one message reach end of message, where
	 * the atomic commit refuses it with rule 10's reply and marks it
	 * again. failing: the last call failed, so MAIL FROM reads (and gives
	 * rule 11) until one succeeds.
	 */
	unsigned	 memo[MEMO_SLOTS];
	int		 failing;
	unsigned char	 memo_key[16];
};

/* A connection taken from the pool or made, with its generation. */
struct conn {
	redisContext	*rc;
	unsigned	 gen;
	int		 fresh;			/* made for this call */
};

/*
 * counter_keys.c: the keys of one sender and month (NULL month: none),
 * built after their common start "<prefix>:{<primary>}:", made once by
 * ctr_names_init (0, or -1: too long); the strings are the caller's and
 * must outlive nm. Each ctr_name_* writes one key into out (len octets)
 * and gives its length, or -1 when it does not fit (ctr_name_warn: two,
 * their lengths in klen, 0 or -1). of_sender 0, or no
 * sender: the domain's key. (The stem has room for a prefix and a domain
 * far longer than any key buffer holds: the buffers decide.)
 */
struct ctr_names {
	char		 stem[2 * SG_KEY_MAX];
	size_t		 stemlen;
	const char	*sender;
	size_t		 senderlen;
	const char	*month;
	size_t		 monthlen;
};
int	ctr_names_init(struct ctr_names *, const char *prefix,
	    const char *primary, const char *sender, const char *month);
int	ctr_name_sender(const struct ctr_names *, char *out, size_t len);
int	ctr_name_domain(const struct ctr_names *, char *out, size_t len);
int	ctr_name_warn(const struct ctr_names *, const char *pct, char *skey,
	    char *dkey, size_t len, size_t klen[2]);
int	ctr_name_msgid(const struct ctr_names *, const char *hash, char *out,
	    size_t len);
int	ctr_name_record(const struct ctr_names *, const char *msgid_hash,
	    const char *qid, char *out, size_t len);
int	ctr_name_rep(const struct ctr_names *, const char *kind, int of_sender,
	    char *out, size_t len);
int	ctr_name_rate(const struct ctr_names *, const struct sg_rate *r,
	    int of_sender, char *out, size_t len);

/* counter_script.c: the counting script and the reset script. */
extern const char ctr_count_script[];
extern const char ctr_reset_script[];
extern const char ctr_read_script[];
/*
 * The counting script's answer (counter_script.c): "V S D", or with a
 * fourth field after a space: rest, restlen (not NUL-terminated: into
 * the reply), and when it is a decimal number, has_x and x.
 */
struct ctr_answer {
	long long	 v;
	long		 s;
	long		 d;
	const char	*rest;		/* NULL: no fourth field */
	size_t		 restlen;
	int		 has_x;
	long long	 x;
};
/* Parse the answer, strictly (decimals, one space each); 0, or -1. */
int	ctr_count_parse(const char *s, size_t len, struct ctr_answer *);
/* The hex SHA-1 of a script, as EVALSHA names it. */
void	ctr_script_sha(const char *script, char out[2 * SHA_DIGEST_LENGTH + 1]);

/* counter_pool.c */
/* Close the idle connections (newgen: and retire the ones lent out). */
void	ctr_pool_flush(struct counters *, int newgen);
/*
 * Replies without malloc: a call's replies built in its arena (on the
 * caller's stack), in blocks chained to it past the first 2 KB. The
 * replies are the arena's: never freeReplyObject them; they live until
 * ctr_arena_release, which the owner calls once done with them (also
 * after a failure: a transport error may leave a part of a reply).
 */
struct ctr_arena_block {
	struct ctr_arena_block *next;
	/* then the octets, aligned */
} __attribute__((aligned(16)));
struct ctr_arena {
	char		 buf[2048] __attribute__((aligned(16)));
	size_t		 used;
	struct ctr_arena_block *more;
};
void	ctr_arena_release(struct ctr_arena *);

/*
 * A reader's reply functions while it reads into an arena: attach
 * before redisGetReply, detach after. After a reply cut in the middle
 * (a transport error), the reader keeps the arena's functions, which
 * make nothing more: close the connection (always done then).
 */
struct ctr_arena_prev {
	redisReplyObjectFunctions *fn;
	void		*privdata;
};
void	ctr_arena_attach(redisReader *, struct ctr_arena *,
	    struct ctr_arena_prev *);
void	ctr_arena_detach(redisReader *, const struct ctr_arena_prev *);

/* An empty arena (its 2 KB need no clearing). */
static inline void
ctr_arena_init(struct ctr_arena *ar)
{
	ar->used = 0;
	ar->more = NULL;
}

/*
 * Run a command (argvlen: the arguments' lengths, or NULL to measure
 * them; script: the script text, to load on NOSCRIPT) under the retry
 * rules of counter_pool.c. The reply, or NULL (failed, logged, no
 * connection held); on a reply the connection is in *cn: give it back
 * with ctr_conn_give. ar NULL: the reply is the caller's, for
 * freeReplyObject; else it is in the arena *ar.
 */
redisReply *ctr_run(struct counters *, struct conn *, int argc,
	    const char **argv, const size_t *argvlen, const char *script,
	    int idempotent, struct ctr_arena *ar);
/* Close a connection after a transport error (logged). */
void	ctr_conn_drop(struct counters *, struct conn *);
/* Give a connection back to the pool (closed if of an older generation). */
void	ctr_conn_give(struct counters *, struct conn *);

#endif
