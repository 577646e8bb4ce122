/*
 * mailfrom.h - the MAIL FROM decision, rules 1 to 11 (with 10r and
 * 10s), sequenced once.
 *
 * The milter (milter.c) and sendergatectl explain (ctl_explain.c) both
 * call mailfrom_decide, so the order of the stages, and which facts each
 * one is given, cannot differ between them. The stages themselves are
 * policy.c's pure functions; this module adds the I/O between them: the
 * address parse, the directory lookup and the counter read.
 */
#ifndef SG_MAILFROM_H
#define SG_MAILFROM_H

#include "lib/addr.h"
#include "lib/conf.h"
#include "redis/counter.h"
#include "dir/dir.h"
#include "lib/policy.h"

/* What MAIL FROM found out; the facts explain prints. */
struct mailfrom {
	enum addr_result r;		/* the envelope sender's parse */
	char		 addr[SG_ADDR_MAX + 1];	/* normalised, if ADDR_OK */
	const char	*domain;	/* inside addr */
	struct dir_answer ans;		/* the directory's (a reference) */
	struct pol_limits lim;		/* set when ans.kind is DIR_SENDER */
	int		 read;		/* the counters were read */
	int		 ctr_ok;	/* 0 read (or not needed), -1 failed */
	long		 scount, dcount;	/* this month's, when read */
	struct ctr_more	 more;		/* the windows and a suspension,
					   when read */
};

/* Set mf to "nothing known yet" (ans.kind DIR_FAILED, no reference). */
void	mailfrom_init(struct mailfrom *mf);

/*
 * Decide MAIL FROM for the argument arg (as the MTA passes it) in
 * session s, with the directory dir and the counters ctrs (either may be
 * NULL: failed). The counters are read as quota_precheck and quota_unit
 * say (ctr_must_read), or always when always_read. Fills mf with the facts and d with the decision of the
 * first rule that does not pass (or RULE_OK / RULE_COUNTER_ERROR, with
 * POL_CONTINUE, when all pass). The counters are read with the
 * registered sender's canonical address (ans.entry->snd.mail). Release
 * mf with mailfrom_release.
 */
void	mailfrom_decide(const struct sg_conf *, struct directory *dir,
	    struct counters *ctrs, const char *arg,
	    const struct pol_session *s, int always_read, struct mailfrom *mf,
	    struct decision *d);

/* Drop mf's directory reference; mf is as after mailfrom_init. */
void	mailfrom_release(struct mailfrom *mf);

#endif
