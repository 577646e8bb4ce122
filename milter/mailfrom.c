/*
 * mailfrom.c - the MAIL FROM decision, rules 1 to 11, sequenced once.
 */
#include <string.h>
#include <time.h>

#include "counter.h"
#include "mailfrom.h"

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
    const char *arg, const struct pol_session *s,
    const struct mailfrom_hooks *hk, struct mailfrom *mf, struct decision *d)
{
	const struct sg_entry	*e;

	mailfrom_release(mf);

	/* 1, 2: the address */
	mf->r = addr_parse_envelope(arg, mf->addr, sizeof(mf->addr),
	    &mf->domain);
	policy_envelope(c, mf->r, d);
	if (d->action != POL_CONTINUE)
		return;

	/* 3 to 9: the directory */
	dir_lookup(dir, mf->addr, mf->domain, &mf->ans);
	policy_sender(c, mf->addr, mf->domain, &mf->ans, s, d);
	if (mf->ans.kind == DIR_SENDER)
		policy_limits(c, mf->ans.entry, &mf->lim);
	if (d->action != POL_CONTINUE)
		return;

	/* 10, 11: the counters, under the registered sender's own name */
	e = mf->ans.entry;
	if (hk == NULL || hk->need_read == NULL ||
	    hk->need_read(hk->arg, mf)) {
		mf->read = 1;
		mf->ctr_ok = ctr_read(e->dom.primary, e->snd.mail, time(NULL),
		    &mf->scount, &mf->dcount);
		if (hk != NULL && hk->read_done != NULL)
			hk->read_done(hk->arg, mf);
	}
	policy_quota(c, e->snd.mail, mf->ctr_ok, mf->scount, mf->dcount,
	    &mf->lim, d);
}
