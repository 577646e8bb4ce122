/*
 * mailfrom.c - the MAIL FROM decision, rules 1 to 11, sequenced once.
 * Rules 10r and 10s take what the read of rule 10 brought (one round
 * trip); when quota_precheck = known skips it, the counting script
 * checks them at end of message.
 */
#include <string.h>
#include <time.h>

#include "redis/counter.h"
#include "lib/log.h"
#include "daemon/mailfrom.h"

/* Nothing known yet. */
void
mailfrom_init(struct mailfrom *mf)
{
	memset(mf, 0, sizeof(*mf));
	mf->r = ADDR_BAD;
	mf->ans.kind = DIR_FAILED;
}

/* Drop the directory answer. */
void
mailfrom_release(struct mailfrom *mf)
{
	dir_answer_release(&mf->ans);
	mailfrom_init(mf);
}

/* Rules 1 to 11, in the contract's order. */
void
mailfrom_decide(const struct sg_conf *c, struct directory *dir,
    struct counters *ctrs, const char *arg, const struct pol_session *s,
    int always_read, struct mailfrom *mf, struct decision *d)
{
	const struct sg_entry	*e;
	struct pol_rates	 u;
	time_t			 now = time(NULL);
	size_t			 i;

	mailfrom_release(mf);

	/* 1, 2: the address */
	mf->r = addr_parse_envelope(arg, mf->addr, sizeof(mf->addr),
	    &mf->domain);
	policy_envelope(c, mf->r, d);
	if (d->action != POL_CONTINUE)
		return;

	/* 3 to 9: the directory */
	dir_lookup(dir, mf->addr, mf->domain, &mf->ans);
	log_debug("<%s>: directory %s%s", mf->addr,
	    mf->ans.kind == DIR_SENDER ? mf->ans.entry->snd.dn :
	    mf->ans.kind == DIR_NO_DOMAIN ? "has no such domain" :
	    mf->ans.kind == DIR_NO_SENDER ? "has no such sender" : "failed",
	    mf->ans.stale ? " (stale copy)" : "");
	policy_sender(c, mf->addr, mf->domain, &mf->ans, s, d);
	if (mf->ans.kind == DIR_SENDER)
		policy_limits(c, mf->ans.entry, &mf->lim);
	if (d->action != POL_CONTINUE)
		return;

	/* 10, 11: the counters, under the registered sender's own name */
	e = mf->ans.entry;
	if (ctrs == NULL) {
		mf->read = 1;
		mf->ctr_ok = -1;
	} else if (always_read || c->quota_unit == QUOTA_RECIPIENT ||
	    ctr_must_read(ctrs, e->dom.primary, e->snd.mail, now)) {
		mf->read = 1;
		mf->more.srates = mf->lim.srates;
		mf->more.nsrates = mf->lim.nsrates;
		mf->more.drates = mf->lim.drates;
		mf->more.ndrates = mf->lim.ndrates;
		mf->ctr_ok = ctr_read_more(ctrs, e->dom.primary, e->snd.mail,
		    now, mf->lim.sender, mf->lim.domain, &mf->scount,
		    &mf->dcount, &mf->more) == CTR_COUNTED ? 0 : -1;
		if (mf->ctr_ok == 0)
			log_debug("<%s>: counted %ld of %ld, domain %ld of %ld",
			    e->snd.mail, mf->scount, mf->lim.sender,
			    mf->dcount, mf->lim.domain);
	} else
		log_debug("<%s>: counters not read (quota_precheck = known)",
		    e->snd.mail);
	policy_quota(c, e->snd.mail, mf->ctr_ok, mf->scount, mf->dcount,
	    &mf->lim, d);
	if (d->action != POL_CONTINUE || d->rule != RULE_OK || !mf->read)
		return;

	/* 10r, 10s: the windows and a suspension, read with the counts */
	for (i = 0; i < mf->lim.nsrates; i++)
		u.sused[i] = mf->more.sused[i];
	for (i = 0; i < mf->lim.ndrates; i++)
		u.dused[i] = mf->more.dused[i];
	u.suspended = mf->more.suspended;
	policy_rates(c, e->snd.mail, &mf->lim, &u, d);
}
