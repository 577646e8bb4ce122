/*
 * fake_milter.h - the fakes test_milter.c links in place of libmilter's
 * calls, the directory and the counters, and what they recorded.
 */
#ifndef SG_FAKE_MILTER_H
#define SG_FAKE_MILTER_H

#include <stdint.h>
#include <libmilter/mfapi.h>

#include "redis/counter.h"
#include "dir/dir.h"

#define FAKE_MAX	16
#define FK_REC_MAX	8

struct fake {
	/* set by the test */
	const char	*macro[FAKE_MAX][2];	/* name, value */
	size_t		 nmacros;
	struct sg_entry	*entries[FAKE_MAX];
	size_t		 nentries;
	int		 dir_fails;
	long		 scount, dcount;	/* what the counters hold */
	enum ctr_result	 read_result, commit_result;
	int		 addrcpt_par;		/* granted by the "MTA" */
	const char	*suppressed;		/* a listed recipient */
	int		 sup_fails;		/* the lists' lookup fails */
	/* recorded */
	char		 reply[512];		/* smfi_setreply's */
	char		 added[FAKE_MAX][300];	/* recipients added */
	size_t		 nadded;
	char		 header[300];		/* a header added */
	int		 lookups, reads, commits, sup_checks, notices;
	char		 c_primary[256], c_sender[256];
	char		 c_msgid[SG_MSGID_HASH_LEN], c_fp[SG_FINGERPRINT_LEN];
	long		 c_n;
	char		 rec_qid[64];		/* the record asked for */
	char		 rec_rcpts[FK_REC_MAX][256];
	size_t		 rec_n;
};

extern struct fake fk;

/* The one context the fake libmilter has. */
SMFICTX	*fake_ctx(void);
/* Everything back to nothing (counters answer CTR_COUNTED). */
void	fake_reset(void);
/* Define (or change) a macro the milter will read. */
void	fake_macro(const char *name, const char *value);

#endif
