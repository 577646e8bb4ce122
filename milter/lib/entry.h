/*
 * entry.h - what the directory answers: a sender with its domain, as
 * immutable reference-counted entries, and the kind of an answer.
 *
 * These are the types that the pure modules (policy.c) decide on; they
 * live here, in lib/, so that deciding needs nothing of the directory
 * itself (dir/dir.h: the backends that produce them).
 */
#ifndef SG_ENTRY_H
#define SG_ENTRY_H

#include <stddef.h>

#include "lib/cidr.h"
#include "lib/rate.h"

struct sg_domain {
	char		*dn;
	char		*name;			/* sgDomainName */
	char		*primary;		/* sgPrimaryDomain, lower case */
	int		 status;		/* enum sg_status */
	char		*reason;		/* sgStatusReason or NULL */
	long		 limit;			/* LIMIT_NONE or >= 0 */
	struct sg_cidr	*nets;
	size_t		 nnets;
	char		*archive;		/* sgArchiveAddress or NULL */
	char		**notify;		/* sgNotifyAddress: contacts */
	size_t		 nnotify;
	int		 dmarc_missing;		/* sgDmarcFound FALSE: the last
						   domain check found no DMARC
						   record (rule 13d); absent
						   (never checked) = 0 */
	struct sg_rate	 rates[SG_RATES_MAX];	/* sgSendRate: together */
	size_t		 nrates;
};

struct sg_sender {
	char		*dn;
	char		*mail;			/* lower case */
	int		 methods;		/* METHOD_* bits */
	int		 auth;			/* AUTH_* bits */
	char		**authids;		/* sgAuthId as stored (dv_login) */
	size_t		 nauthids;
	struct sg_cidr	*nets;
	size_t		 nnets;
	char		**bcc;
	size_t		 nbcc;
	int		 archive;		/* sgArchive TRUE */
	long		 limit;			/* LIMIT_NONE or >= 0 */
	int		 status;
	char		*reason;
	char		*replyto;		/* or NULL */
	int		 replyto_verified;	/* sgReplyToVerified TRUE */
	char		**notify;		/* sgNotifyAddress: contacts */
	size_t		 nnotify;
	struct sg_rate	 rates[SG_RATES_MAX];	/* sgSendRate; none: the
						   default_send_rate */
	size_t		 nrates;
};

/* A sender with its domain; immutable once published, reference counted. */
struct sg_entry {
	int		 refs;			/* atomic */
	struct sg_domain dom;
	struct sg_sender snd;
};

/* What a lookup found: found, not found (which part), or failed. */
enum dir_kind {
	DIR_SENDER = 1,				/* found: entry is set */
	DIR_NO_DOMAIN = 0,			/* no sgPrimaryDomain matches */
	DIR_NO_SENDER = 2,			/* domain known, sender not */
	DIR_FAILED = -1				/* directory error: rule 3 */
};

/*
 * An answer. kind is what dir_lookup returned (it sets it, and nothing
 * else does), kept here for the code that is handed the answer alone.
 */
struct dir_answer {
	enum dir_kind	 kind;
	struct sg_entry	*entry;			/* DIR_SENDER: a reference */
	int		 stale;			/* served from an expired copy */
};

/* Entries: take and drop a reference; the last drop frees it. */
struct sg_entry *entry_ref(struct sg_entry *);
void	entry_unref(struct sg_entry *);

/* Drop the answer's entry (if any); the answer is then empty. */
void	dir_answer_release(struct dir_answer *);

#endif
