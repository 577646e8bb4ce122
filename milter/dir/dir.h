/*
 * dir.h - the sender directory: who may send, as LDAP says.
 *
 * A lookup answers three ways (found, not found, failed), never turning
 * "LDAP is down" into "no such sender". An answer holds a reference to an
 * immutable entry that the caller releases; entries are shared between
 * threads and freed with their last reference.
 *
 * The backends (query mode, dir_query.c; mirror mode, dir_mirror.c) sit
 * behind the table of function pointers in struct dir_backend.
 */
#ifndef SG_DIR_H
#define SG_DIR_H

#include <stddef.h>
#include "lib/cidr.h"
#include "lib/conf.h"
#include "lib/dirval.h"


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
};

/* A sender with its domain; immutable once published, reference counted. */
struct sg_entry {
	int		 refs;			/* atomic */
	struct sg_domain dom;
	struct sg_sender snd;
};

enum dir_kind {
	DIR_SENDER = 1,				/* found: entry is set */
	DIR_NO_DOMAIN = 0,			/* no sgPrimaryDomain matches */
	DIR_NO_SENDER = 2,			/* domain known, sender not */
	DIR_FAILED = -1				/* directory error: rule 3 */
};

struct dir_answer {
	int		 kind;			/* enum dir_kind */
	struct sg_entry	*entry;			/* DIR_SENDER: a reference */
	int		 stale;			/* served from an expired copy */
};

struct directory;

struct dir_backend {
	const char	*name;
	void		*(*open)(const struct sg_conf *, char *err, size_t);
	/* Fill ans; return 1 found, 0 not found, -1 failed. */
	int		 (*lookup)(void *, const char *addr, const char *domain,
			    struct dir_answer *ans);
	void		 (*close)(void *);
};

/* Open the backend of c->ldap_mode. NULL with a reason in err. */
struct directory *dir_open(const struct sg_conf *c, char *err, size_t errlen);

/*
 * Look up a normalised address (domain points into it). Returns 1 (found,
 * ans->entry referenced), 0 (ans->kind says which part is missing) or
 * -1 (failed). Release the answer with dir_answer_release().
 */
int	dir_lookup(struct directory *, const char *addr, const char *domain,
	    struct dir_answer *ans);
void	dir_answer_release(struct dir_answer *);
void	dir_close(struct directory *);

/*
 * Hash of a table key (an address, a domain, an entryUUID): SipHash-2-4
 * under a key drawn at random once per process, so the addresses that
 * clients choose cannot be made to collide.
 */
unsigned dir_hash(const char *);

/* Entries: take and drop a reference; the last drop frees it. */
struct sg_entry *entry_ref(struct sg_entry *);
void	entry_unref(struct sg_entry *);

#endif
