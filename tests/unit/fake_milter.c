/*
 * fake_milter.c - what milter.c calls outside the policy, faked at link
 * time for test_milter.c: libmilter's context and modification calls
 * (recorded), the directory (a table of entries) and the counters
 * (recorded, answering what the test sets). See fake_milter.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "fake_milter.h"
#include "lib/notify.h"
#include "redis/suppress.h"

struct fake	 fk;

/* ---- libmilter --------------------------------------------------------- */

struct smfi_str {
	void	*priv;
};

static struct smfi_str	 the_ctx;

SMFICTX *
fake_ctx(void)
{
	return &the_ctx;
}

int
smfi_setpriv(SMFICTX *ctx, void *p)
{
	ctx->priv = p;
	return MI_SUCCESS;
}

void *
smfi_getpriv(SMFICTX *ctx)
{
	return ctx->priv;
}

char *
smfi_getsymval(SMFICTX *ctx, char *name)
{
	size_t	 i;

	(void)ctx;
	for (i = 0; i < fk.nmacros; i++)
		if (strcmp(fk.macro[i][0], name) == 0)
			return (char *)(uintptr_t)fk.macro[i][1];
	return NULL;
}

int
smfi_setreply(SMFICTX *ctx, char *code, char *xcode, char *text)
{
	(void)ctx;
	snprintf(fk.reply, sizeof(fk.reply), "%s %s %s", code, xcode, text);
	return MI_SUCCESS;
}

int
smfi_addrcpt(SMFICTX *ctx, char *rcpt)
{
	(void)ctx;
	if (fk.nadded < FAKE_MAX)
		snprintf(fk.added[fk.nadded++], sizeof(fk.added[0]), "%s",
		    rcpt);
	return MI_SUCCESS;
}

int
smfi_addrcpt_par(SMFICTX *ctx, char *rcpt, char *args)
{
	(void)ctx;
	if (!fk.addrcpt_par)
		return MI_FAILURE;	/* not negotiated: libmilter says so */
	if (fk.nadded < FAKE_MAX)
		snprintf(fk.added[fk.nadded++], sizeof(fk.added[0]), "%s %s",
		    rcpt, args);
	return MI_SUCCESS;
}

int
smfi_addheader(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	snprintf(fk.header, sizeof(fk.header), "%s: %s", name, value);
	return MI_SUCCESS;
}

int
smfi_setsymlist(SMFICTX *ctx, int stage, char *macros)
{
	(void)ctx;
	(void)stage;
	(void)macros;
	return MI_SUCCESS;
}

/* ---- the directory ----------------------------------------------------- */

enum dir_kind
dir_lookup(struct directory *d, const char *addr, const char *domain,
    struct dir_answer *ans)
{
	size_t	 i;

	(void)d;
	ans->entry = NULL;
	ans->stale = 0;
	fk.lookups++;
	ans->kind = DIR_NO_DOMAIN;
	if (fk.dir_fails)
		ans->kind = DIR_FAILED;
	else
		for (i = 0; i < fk.nentries; i++)
			if (strcmp(fk.entries[i]->snd.mail, addr) == 0) {
				ans->kind = DIR_SENDER;
				ans->entry = entry_ref(fk.entries[i]);
				return ans->kind;
			}
	for (i = 0; ans->kind == DIR_NO_DOMAIN && i < fk.nentries; i++)
		if (strcmp(fk.entries[i]->dom.primary, domain) == 0)
			ans->kind = DIR_NO_SENDER;
	return ans->kind;
}

void
dir_answer_release(struct dir_answer *ans)
{
	entry_unref(ans->entry);
	ans->entry = NULL;
}

struct sg_entry *
entry_ref(struct sg_entry *e)
{
	if (e != NULL)
		e->refs++;
	return e;
}

void
entry_unref(struct sg_entry *e)
{
	if (e != NULL)
		e->refs--;
}

struct directory *
dir_ref(struct directory *d)
{
	return d;
}

void
dir_close(struct directory *d)
{
	(void)d;
}

/* ---- the counters ------------------------------------------------------ */

struct counters *
ctr_ref(struct counters *c)
{
	return c;
}

void
ctr_close(struct counters *c)
{
	(void)c;
}

int
ctr_must_read(struct counters *c, const char *primary, const char *sender,
    time_t now)
{
	(void)c;
	(void)primary;
	(void)sender;
	(void)now;
	return 1;
}

enum ctr_result
ctr_read(struct counters *c, const char *primary, const char *sender,
    time_t now, long slimit, long dlimit, long *scount, long *dcount)
{
	(void)c;
	(void)primary;
	(void)sender;
	(void)now;
	(void)slimit;
	(void)dlimit;
	fk.reads++;
	*scount = fk.scount;
	*dcount = fk.dcount;
	return fk.read_result;
}

enum ctr_result
ctr_read_more(struct counters *c, const char *primary, const char *sender,
    time_t now, long slimit, long dlimit, long *scount, long *dcount,
    struct ctr_more *more)
{
	if (more != NULL) {
		memset(more->sused, 0, sizeof(more->sused));
		memset(more->dused, 0, sizeof(more->dused));
		more->suspended[0] = '\0';
	}
	return ctr_read(c, primary, sender, now, slimit, dlimit, scount,
	    dcount);
}

enum ctr_result
ctr_commit_warn(struct counters *c, const char *primary, const char *sender,
    const char *msgid_hash, const char *fingerprint, time_t now, long n,
    long slimit, long dlimit, long *scount, long *dcount,
    struct ctr_warned *warned, const struct ctr_record *rec)
{
	size_t	 i;

	if (warned != NULL)
		memset(warned, 0, sizeof(*warned));
	fk.rec_n = 0;
	fk.rec_qid[0] = '\0';
	if (rec != NULL) {
		snprintf(fk.rec_qid, sizeof(fk.rec_qid), "%s", rec->qid);
		for (i = 0; i < rec->nrcpts && i < FK_REC_MAX; i++)
			snprintf(fk.rec_rcpts[i], sizeof(fk.rec_rcpts[i]), "%s",
			    rec->rcpts[i]);
		fk.rec_n = rec->nrcpts;
	}
	return ctr_commit(c, primary, sender, msgid_hash, fingerprint, now, n,
	    slimit, dlimit, scount, dcount);
}

enum ctr_result
ctr_commit(struct counters *c, const char *primary, const char *sender,
    const char *msgid_hash, const char *fingerprint, time_t now, long n,
    long slimit, long dlimit, long *scount, long *dcount)
{
	(void)c;
	(void)now;
	(void)slimit;
	(void)dlimit;
	fk.commits++;
	snprintf(fk.c_primary, sizeof(fk.c_primary), "%s", primary);
	snprintf(fk.c_sender, sizeof(fk.c_sender), "%s", sender);
	snprintf(fk.c_msgid, sizeof(fk.c_msgid), "%s", msgid_hash);
	snprintf(fk.c_fp, sizeof(fk.c_fp), "%s", fingerprint);
	fk.c_n = n;
	*scount = fk.scount + n;
	*dcount = fk.dcount + n;
	return fk.commit_result;
}

int
ctr_msgid_hash(const char *value, char out[SG_MSGID_HASH_LEN])
{
	/* not a hash: the value itself, enough to see which one counted */
	snprintf(out, SG_MSGID_HASH_LEN, "%s", value);
	return 0;
}

/* ---- the suppression lists -------------------------------------------- */

int
sup_check_arg(struct counters *c, const char *primary, const char *arg,
    char *norm, size_t len)
{
	const char	*dom;

	(void)c;
	(void)primary;
	fk.sup_checks++;
	if (addr_parse_rcpt(arg, norm, len, &dom) != ADDR_OK) {
		norm[0] = '\0';
		return SUP_BAD_ADDRESS;
	}
	if (fk.sup_fails)
		return -1;
	return fk.suppressed != NULL && strcmp(norm, fk.suppressed) == 0;
}

/* ---- limit notices ------------------------------------------------------ */

int
notify_queue(const struct sg_conf *c, const char *const *to, size_t nto,
    const char *subject, const char *body)
{
	(void)c;
	(void)to;
	(void)nto;
	(void)subject;
	(void)body;
	fk.notices++;
	return 0;
}

/* ---- set-up --------------------------------------------------------------- */

void
fake_reset(void)
{
	memset(&fk, 0, sizeof(fk));
	fk.read_result = CTR_COUNTED;
	fk.commit_result = CTR_COUNTED;
	fk.addrcpt_par = 1;
}

void
fake_macro(const char *name, const char *value)
{
	size_t	 i;

	for (i = 0; i < fk.nmacros; i++)
		if (strcmp(fk.macro[i][0], name) == 0) {
			fk.macro[i][1] = value;
			return;
		}
	if (fk.nmacros < FAKE_MAX) {
		fk.macro[fk.nmacros][0] = name;
		fk.macro[fk.nmacros++][1] = value;
	}
}
