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

#include "lib/conf.h"
#include "lib/entry.h"


struct directory;

struct dir_backend {
	const char	*name;
	void		*(*open)(const struct sg_conf *, char *err, size_t);
	/* Set ans->entry (found) and ans->stale; return the kind. */
	enum dir_kind	 (*lookup)(void *, const char *addr,
			    const char *domain, struct dir_answer *ans);
	void		 (*close)(void *);
};

/*
 * Open the backend of c->ldap_mode, on a copy of c (c may go away). NULL
 * with a reason in err. The directory is reference counted: dir_open
 * gives the caller one reference, dir_ref another (a reload whose LDAP
 * keys did not change shares it); dir_close drops one, and the last
 * closes the backend (the mirror's sync thread with it).
 */
struct directory *dir_open(const struct sg_conf *c, char *err, size_t errlen);

/*
 * Look up a normalised address (domain points into it). Returns the
 * kind, also kept in ans->kind: DIR_SENDER (ans->entry referenced),
 * DIR_NO_DOMAIN or DIR_NO_SENDER (not found), DIR_FAILED. Release the
 * answer with dir_answer_release().
 */
enum dir_kind dir_lookup(struct directory *, const char *addr,
	    const char *domain, struct dir_answer *ans);
struct directory *dir_ref(struct directory *);
void	dir_close(struct directory *);

/*
 * Hash of a table key (an address, a domain, an entryUUID): SipHash-2-4
 * under a key drawn at random once per process, so the addresses that
 * clients choose cannot be made to collide.
 */
unsigned dir_hash(const char *);

#endif
