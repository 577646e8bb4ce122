/*
 * ctl_verify.c - sendergatectl sender verify-reply-to / confirm-reply-to:
 * a reply-to address is added to messages only once verified.
 *
 * verify-reply-to mails a one-time code to the sender's sgReplyTo
 * (notify.c, through notify_relay or --relay, from notify_from). The
 * code is kept only hashed, in Redis, for 10 minutes:
 *
 *   <prefix>:{<primary>}:v:<sender>   "SHA-256(sender, code) sgReplyTo",
 *                                     TTL 600 s, set only if absent: a
 *                                     new code once the last has expired
 *   <prefix>:{<primary>}:vt:<sender>  wrong codes tried (5 burn the code),
 *                                     expiring with the code
 *
 * confirm-reply-to checks the code against the hash and the address it
 * was sent to and counts a wrong one in one Lua script (confirm_script):
 * guesses sent at once are counted one after the other, and none is
 * compared once five were wrong. The fifth wrong code replaces the hash
 * with "burnt", keeping the key's expiry: no new code is sent before
 * the 10 minutes of the burnt one are over, and then one may be. A right
 * code sets sgReplyToVerified: TRUE, then the key is deleted.
 */
#include <sys/random.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "lib/addr.h"
#include "ctl/ctl.h"
#include "lib/log.h"
#include "lib/notify.h"

#define CODE_LEN	8
#define CODE_TTL	600		/* seconds: the code's life */
#define TRIES_MAX	5		/* wrong codes before it is burnt */
#define KEY_MAX		(64 + 2 * 256 + 8)

/*
 * Check a code and count a wrong one, atomically.
 * KEYS: the code's key, the tries' key. ARGV: the hash of the code
 * given, the reply-to address it must have been sent to, TRIES_MAX,
 * CODE_TTL. Answers "ok", "other" (right code, sent to another
 * address), "none" (no code), "void" (burnt before), "wrong" or
 * "burnt" (this was the last wrong code). A burnt key keeps what was
 * left of its life; one found without (an older sendergatectl's) gets
 * CODE_TTL again.
 */
static const char confirm_script[] =
	"local v = redis.call('GET', KEYS[1])\n"
	"if not v then return 'none' end\n"
	"local ttl = redis.call('PTTL', KEYS[1])\n"
	"if ttl < 0 then\n"
	"  ttl = tonumber(ARGV[4]) * 1000\n"
	"  redis.call('PEXPIRE', KEYS[1], ttl)\n"
	"end\n"
	"local tries = tonumber(redis.call('GET', KEYS[2]) or '0')\n"
	"if v == 'burnt' or tries >= tonumber(ARGV[3]) then\n"
	"  return 'void'\n"
	"end\n"
	"if string.sub(v, 1, 65) == ARGV[1] .. ' ' then\n"
	"  if string.sub(v, 66) ~= ARGV[2] then return 'other' end\n"
	"  return 'ok'\n"
	"end\n"
	"tries = redis.call('INCR', KEYS[2])\n"
	"redis.call('PEXPIRE', KEYS[2], ttl)\n"
	"if tries < tonumber(ARGV[3]) then return 'wrong' end\n"
	"redis.call('SET', KEYS[1], 'burnt', 'PX', ttl)\n"
	"return 'burnt'\n";

/* The sender's entry and reply-to; 0, or an exit code (reported). */
static int
sender_of(struct ctl_ctx *x, const char *cmd, const char *arg, char *mail,
    size_t len, struct ctl_rec **r)
{
	const char	*dom;
	int		 rc;

	if (strpbrk(arg, " \t") != NULL ||
	    addr_parse_envelope(arg, mail, len, &dom) != ADDR_OK)
		return ctl_usage_error(cmd, "<%s>: not a valid address", arg);
	if ((rc = ctl_find_sender(x, mail, r)) == -1)
		return CTL_BACKEND;
	if (rc == 0) {
		fprintf(stderr, "sendergatectl: no sender <%s>\n", mail);
		return CTL_NOTFOUND;
	}
	if (ctl_rec_first(*r, "sgReplyTo") == NULL) {
		fprintf(stderr, "sendergatectl: sender <%s> has no sgReplyTo "
		    "(set one: sender update %s --reply-to ADDRESS)\n", mail,
		    mail);
		ctl_rec_free(*r);
		*r = NULL;
		return CTL_INVALID;
	}
	return CTL_OK;
}

/* The code's key and the tries' key of a sender. */
static void
keys(struct ctl_ctx *x, const char *mail, char *k, char *kt)
{
	const char	*prefix = ctr_prefix(x->ctrs);
	const char	*dom = addr_domain(mail);

	snprintf(k, KEY_MAX, "%s:{%s}:v:%s", prefix, dom, mail);
	snprintf(kt, KEY_MAX, "%s:{%s}:vt:%s", prefix, dom, mail);
}

/* Hex SHA-256 of "sender NUL code". */
static void
code_hash(const char *mail, const char *code, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	char		 buf[SG_ADDR_MAX + 80];
	size_t		 i, n;

	n = (size_t)snprintf(buf, sizeof(buf), "%s%c%.64s", mail, 0, code);
	SHA256((const unsigned char *)buf, n < sizeof(buf) ? n : sizeof(buf),
	    md);
	for (i = 0; i < sizeof(md); i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
}

/* A random code: letters and digits that cannot be mistaken. */
static int
make_code(char out[CODE_LEN + 1])
{
	static const char set[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char	 rnd[CODE_LEN];
	size_t		 i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	for (i = 0; i < CODE_LEN; i++)
		out[i] = set[rnd[i] % 32];
	out[CODE_LEN] = '\0';
	return 0;
}

/* A command on the counters' pool; the reply or NULL (reported). */
static redisReply *
cmd(struct ctl_ctx *x, int argc, const char **argv)
{
	redisReply	*r = ctr_command(x->ctrs, argc, argv, 0);

	if (r == NULL)
		fprintf(stderr, "sendergatectl: redis failed\n");
	else if (r->type == REDIS_REPLY_ERROR) {
		fprintf(stderr, "sendergatectl: redis: %s\n", r->str);
		freeReplyObject(r);
		r = NULL;
	}
	return r;
}

/* sender verify-reply-to ADDRESS [--relay HOST:PORT] */
int
ctl_cmd_verify_reply_to(struct ctl_ctx *x, const struct ctl_args *a,
    char **v, int n)
{
	struct ctl_rec	*r = NULL;
	redisReply	*rep;
	char		 mail[SG_ADDR_MAX + 1], code[CODE_LEN + 1], hash[65];
	char		 k[KEY_MAX], kt[KEY_MAX], val[400], err[600];
	char		*msg = NULL;
	const char	*relay = ctl_edit_value(a, O_RELAY), *to;
	const char	*argv[6];
	long long	 left;
	int		 ret;

	(void)n;
	if (relay == NULL || relay[0] == '\0')
		relay = x->conf->notify_relay;
	if (relay[0] == '\0')
		return ctl_usage_error("sender verify-reply-to", "no relay: set "
		    "notify_relay or give --relay HOST:PORT");
	if (x->conf->notify_from[0] == '\0')
		return ctl_usage_error("sender verify-reply-to", "set "
		    "notify_from, the verification mail's sender");
	if ((ret = sender_of(x, "sender verify-reply-to", v[0], mail,
	    sizeof(mail), &r)) != CTL_OK)
		return ret;
	to = ctl_rec_first(r, "sgReplyTo");
	ret = CTL_BACKEND;
	if (ctl_counters_open(x) == -1 || make_code(code) == -1)
		goto out;
	keys(x, mail, k, kt);
	code_hash(mail, code, hash);
	snprintf(val, sizeof(val), "%s %s", hash, to);
	argv[0] = "SET";
	argv[1] = k;
	argv[2] = val;
	argv[3] = "NX";
	argv[4] = "EX";
	argv[5] = "600";
	if ((rep = cmd(x, 6, argv)) == NULL)
		goto out;
	if (rep->type == REDIS_REPLY_NIL) {
		freeReplyObject(rep);
		argv[0] = "TTL";
		left = CODE_TTL;
		if ((rep = cmd(x, 2, argv)) != NULL &&
		    rep->type == REDIS_REPLY_INTEGER && rep->integer > 0)
			left = rep->integer;
		else if (rep != NULL && rep->type == REDIS_REPLY_INTEGER &&
		    rep->integer == -1) {
			/* burnt by an older sendergatectl: give it an end */
			freeReplyObject(rep);
			argv[0] = "EXPIRE";
			argv[2] = "600";
			rep = cmd(x, 3, argv);
		}
		freeReplyObject(rep);
		fprintf(stderr, "sendergatectl: a code was sent to <%s> less "
		    "than 10 minutes ago: ask again in %lld min %lld s\n", to,
		    left / 60, left % 60);
		ret = CTL_INVALID;
		goto out;
	}
	freeReplyObject(rep);
	argv[0] = "DEL";
	argv[1] = kt;
	if ((rep = cmd(x, 2, argv)) != NULL)
		freeReplyObject(rep);

	if (asprintf(&msg,
	    "This address was given as the reply-to address of the sender\n"
	    "<%s> on our mail relay. Replies to its messages will come here\n"
	    "once the address is verified.\n\n"
	    "Verification code: %s\n\n"
	    "It is valid for 10 minutes. If you did not expect this message,\n"
	    "ignore it: nothing changes.\n", mail, code) == -1) {
		msg = NULL;
		goto out;
	}
	if (notify_send(relay, x->conf->notify_from, (const char *[]){ to }, 1,
	    "Verify your reply-to address", msg, NULL, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "sendergatectl: the verification mail was not "
		    "sent: %s\n", err);
		argv[0] = "DEL";
		argv[1] = k;
		if ((rep = cmd(x, 2, argv)) != NULL)
			freeReplyObject(rep);
		goto out;
	}
	log_debug("verify-reply-to %s: code sent to %s via %s", mail, to,
	    relay);
	printf("verification code sent to <%s> for <%s>: valid for 10 "
	    "minutes\n", to, mail);
	ret = CTL_OK;
out:
	OPENSSL_cleanse(code, sizeof(code));
	free(msg);
	ctl_rec_free(r);
	return ret;
}

/* sender confirm-reply-to ADDRESS CODE */
int
ctl_cmd_confirm_reply_to(struct ctl_ctx *x, const struct ctl_args *a,
    char **v, int n)
{
	static const char *const attrs[] = { "sgReplyToVerified", NULL };
	struct ctl_rec	*r = NULL, *nr = NULL;
	redisReply	*rep;
	char		 mail[SG_ADDR_MAX + 1], hash[65], k[KEY_MAX], kt[KEY_MAX];
	char		 code[64], tries[16], ttl[16], said[16];
	const char	*argv[9], *to;
	size_t		 i;
	int		 ret;

	(void)a;
	(void)n;
	if ((ret = sender_of(x, "sender confirm-reply-to", v[0], mail,
	    sizeof(mail), &r)) != CTL_OK)
		return ret;
	to = ctl_rec_first(r, "sgReplyTo");
	ret = CTL_BACKEND;
	if (ctl_counters_open(x) == -1)
		goto out;
	keys(x, mail, k, kt);
	/* codes are shown in capitals; accepted in either case */
	for (i = 0; v[1][i] != '\0' && i + 1 < sizeof(code); i++)
		code[i] = (char)(v[1][i] >= 'a' && v[1][i] <= 'z' ?
		    v[1][i] - 'a' + 'A' : v[1][i]);
	code[i] = '\0';
	code_hash(mail, code, hash);
	snprintf(tries, sizeof(tries), "%d", TRIES_MAX);
	snprintf(ttl, sizeof(ttl), "%d", CODE_TTL);
	argv[0] = "EVAL";
	argv[1] = confirm_script;
	argv[2] = "2";
	argv[3] = k;
	argv[4] = kt;
	argv[5] = hash;
	argv[6] = to;
	argv[7] = tries;
	argv[8] = ttl;
	/* not idempotent: a wrong code counts once */
	if ((rep = ctr_command(x->ctrs, 9, argv, 0)) == NULL) {
		fprintf(stderr, "sendergatectl: redis failed: the code was "
		    "not checked\n");
		goto out;
	}
	if (rep->type != REDIS_REPLY_STRING) {
		fprintf(stderr, "sendergatectl: redis: %s: the code was not "
		    "checked\n", rep->type == REDIS_REPLY_ERROR ? rep->str :
		    "unexpected reply");
		freeReplyObject(rep);
		goto out;
	}
	snprintf(said, sizeof(said), "%s", rep->str);
	freeReplyObject(rep);
	if (strcmp(said, "none") == 0) {
		fprintf(stderr, "sendergatectl: no code pending for <%s> "
		    "(expired after 10 minutes, or never asked for): ask "
		    "with sender verify-reply-to\n", mail);
		ret = CTL_NOTFOUND;
		goto out;
	}
	ret = CTL_INVALID;
	if (strcmp(said, "other") == 0) {
		fprintf(stderr, "sendergatectl: the code was sent to another "
		    "address than <%s>: ask again\n", to);
		goto out;
	}
	if (strcmp(said, "void") == 0) {
		fprintf(stderr, "sendergatectl: the code is void after %d "
		    "wrong codes: ask for a new one with sender "
		    "verify-reply-to once its 10 minutes are over\n",
		    TRIES_MAX);
		goto out;
	}
	if (strcmp(said, "burnt") == 0) {
		fprintf(stderr, "sendergatectl: wrong code, %d times: the code "
		    "is void\n", TRIES_MAX);
		goto out;
	}
	if (strcmp(said, "ok") != 0) {
		fprintf(stderr, "sendergatectl: wrong code\n");
		goto out;
	}
	ret = CTL_BACKEND;
	if ((nr = ctl_rec_dup(r)) == NULL ||
	    ctl_rec_set(nr, "sgReplyToVerified", "TRUE") == -1) {
		fprintf(stderr, "sendergatectl: out of memory\n");
		goto out;
	}
	if (ctl_apply_modify(x, r, nr, attrs) == -1)
		goto out;
	if (!x->dry_run) {
		argv[0] = "DEL";
		argv[1] = k;
		if ((rep = cmd(x, 2, argv)) != NULL)
			freeReplyObject(rep);
		printf("reply-to <%s> of <%s> verified: Reply-To is added from "
		    "now on\n", to, mail);
	}
	ret = CTL_OK;
out:
	ctl_rec_free(nr);
	ctl_rec_free(r);
	return ret;
}
