/*
 * ctl.h - internal interfaces of sendergatectl, the administration tool.
 *
 * sendergatectl.c parses the command line and runs a command; the
 * ctl_*.c modules share this header:
 *
 *   ctl_rec.c       an LDAP entry as attribute -> values, edited in memory
 *   ctl_validate.c  the validation phase: a pure function from records
 *                   and facts to a list of problems (unit-tested)
 *   ctl_ldap.c      reading entries, the facts, and the execution phase
 *                   (LDAP add/modify/delete, or LDIF for --dry-run)
 *   ctl_passwd.c    {SSHA} hashes, password input and generation
 *   ctl_usage.c     this month's counters as a table or JSON; reset
 *   ctl_explain.c   what the milter would answer at MAIL FROM, and why
 *
 * The decisions and parsing are the daemon's own modules (policy, dir,
 * addr, cidr, counter, conf): nothing here decides differently.
 */
#ifndef SG_CTL_H
#define SG_CTL_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <ldap.h>

#include "conf.h"
#include "dir.h"

/* Exit codes. */
#define CTL_OK		0
#define CTL_NOTFOUND	1	/* show/usage: no such entry; explain: refused */
#define CTL_USAGE	2	/* bad command line */
#define CTL_INVALID	3	/* the validation phase found problems */
#define CTL_BACKEND	4	/* LDAP or Redis failed */

/* ---- ctl_rec.c: entries as attribute -> values ------------------------ */

struct ctl_attr {
	char		*name;
	char		**v;
	size_t		 n;
};

struct ctl_rec {
	char		*dn;		/* NULL until known */
	struct ctl_attr	*a;
	size_t		 n;
};

/* Make / free a record. ctl_rec_new returns NULL when out of memory. */
struct ctl_rec *ctl_rec_new(const char *dn);
struct ctl_rec *ctl_rec_dup(const struct ctl_rec *);
void	ctl_rec_free(struct ctl_rec *);

/* The attribute (case-insensitive name), or NULL; its first value or NULL. */
const struct ctl_attr *ctl_rec_get(const struct ctl_rec *, const char *name);
const char *ctl_rec_first(const struct ctl_rec *, const char *name);
size_t	ctl_rec_count(const struct ctl_rec *, const char *name);

/*
 * Edits; each returns 0 or -1 (out of memory). ctl_rec_add skips a value
 * already present (compared without case); ctl_rec_remove returns 1 when
 * the value was present, 0 when not; ctl_rec_clear drops the attribute.
 */
int	ctl_rec_add(struct ctl_rec *, const char *name, const char *value);
int	ctl_rec_remove(struct ctl_rec *, const char *name, const char *value);
void	ctl_rec_clear(struct ctl_rec *, const char *name);
int	ctl_rec_set(struct ctl_rec *, const char *name, const char *value);

/* 1 if the two records hold the same values of name (order ignored). */
int	ctl_rec_same(const struct ctl_rec *, const struct ctl_rec *,
	    const char *name);

/* ---- ctl_validate.c: the validation phase ---------------------------- */

struct ctl_problems {
	char		**msg;
	size_t		 n;
};

/* Add a problem (printf format). Out of memory is reported at the end. */
void	ctl_problem(struct ctl_problems *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	ctl_problems_free(struct ctl_problems *);

/* An sgAuthId already bound to a sender entry somewhere in the tree. */
struct ctl_owner {
	const char	*authid;
	const char	*dn;		/* the sender holding it */
	const char	*domain_dn;	/* that sender's parent */
};

/* What the directory says around the record being checked. */
struct ctl_facts {
	const struct sg_conf	 *conf;		/* archive_address */
	const struct ctl_rec	 *domain;	/* the sender's domain (final
						   state) or NULL: none */
	const char *const	 *dup_domains;	/* DNs of other sgDomain with
						   the same sgPrimaryDomain */
	size_t			  ndup;
	const struct ctl_owner	 *owners;	/* holders of the sender's
						   sgAuthId values */
	size_t			  nowners;
	const struct ctl_rec *const *senders;	/* the domain's senders */
	size_t			  nsenders;
	int			  complete;	/* check completeness */
};

/*
 * The validation phase: append every problem of the final state of a
 * sender / domain (or of deleting a domain) to p. Pure: no I/O. Returns
 * the number of problems found by this call.
 */
size_t	ctl_validate_sender(const struct ctl_rec *, const struct ctl_facts *,
	    struct ctl_problems *);
size_t	ctl_validate_domain(const struct ctl_rec *, const struct ctl_facts *,
	    struct ctl_problems *);
size_t	ctl_validate_domain_delete(const struct ctl_rec *,
	    const struct ctl_facts *, struct ctl_problems *);

/* "yes"/"true" -> "TRUE", "no"/"false" -> "FALSE", else NULL. */
const char *ctl_bool_word(const char *);

/* ---- ctl_ldap.c: reading and the execution phase ---------------------- */

struct ctl_ctx {
	const struct sg_conf	*conf;
	struct sg_conf		 wconf;	/* conf with the admin credentials */
	LDAP			*ld;	/* NULL until ctl_ldap_open */
	int			 dry_run;
	FILE			*out;	/* stdout */
};

/* Connect (admin credentials when given). 0, or -1 (reported). */
int	ctl_ldap_open(struct ctl_ctx *);
void	ctl_ldap_close(struct ctl_ctx *);

/*
 * Searches under ldap_base. Each returns 1 found (*out set, caller frees),
 * 0 not found, -1 failed (reported on stderr).
 */
int	ctl_find_domain(struct ctl_ctx *, const char *name_or_primary,
	    struct ctl_rec **out);
int	ctl_find_domain_by_primary(struct ctl_ctx *, const char *primary,
	    struct ctl_rec ***out, size_t *n);
int	ctl_find_sender(struct ctl_ctx *, const char *mail,
	    struct ctl_rec **out);

/* All entries of a class under base (scope subtree or one level). */
int	ctl_search(struct ctl_ctx *, const char *base, int scope,
	    const char *filter, struct ctl_rec ***out, size_t *n);
void	ctl_recs_free(struct ctl_rec **, size_t);

/* Holders of sgAuthId values of rec (other entries than rec). 0 / -1. */
int	ctl_find_owners(struct ctl_ctx *, const struct ctl_rec *rec,
	    struct ctl_owner **out, size_t *n, struct ctl_rec ***hold,
	    size_t *nhold);

/* The parent DN (after the first unescaped comma), or "". */
const char *ctl_parent_dn(const char *dn);

/*
 * The execution phase: add rec, modify old into new (the attributes of
 * new's kind that differ), delete dn. With dry_run the LDIF is printed
 * instead. 0, or -1 (reported).
 */
int	ctl_apply_add(struct ctl_ctx *, const struct ctl_rec *);
int	ctl_apply_modify(struct ctl_ctx *, const struct ctl_rec *old,
	    const struct ctl_rec *new, const char *const *attrs);
int	ctl_apply_delete(struct ctl_ctx *, const char *dn);

/* Print one record as "attr: value" lines (LDIF, base64 when needed). */
void	ctl_print_ldif(FILE *, const struct ctl_rec *, const char *skip);

extern const char *const ctl_sender_attrs[];	/* NULL-terminated */
extern const char *const ctl_domain_attrs[];

/* ---- ctl_passwd.c ------------------------------------------------------ */

/* {SSHA} of pw into out (at least 64 octets). 0, or -1 (no randomness). */
int	ctl_ssha(const char *pw, char *out, size_t outlen);
/* 1 if hash (an {SSHA} value) matches pw, 0 if not. */
int	ctl_ssha_check(const char *hash, const char *pw);
/* A random password of len characters (letters, digits). 0 / -1. */
int	ctl_genpw(char *out, size_t len);
/* Read a password: terminal without echo (asked twice), else stdin. */
int	ctl_readpw(char *out, size_t len);

/* ---- ctl_usage.c ------------------------------------------------------- */

struct ctl_usage_row {
	const char	*kind;		/* "sender" or "domain" */
	const char	*name;		/* the address, or the primary domain */
	long		 count;		/* -1: unknown */
	long		 limit;		/* LIMIT_NONE: none */
};

/* Print rows as a table (percent and a bar) or JSON. */
void	ctl_usage_print(FILE *, const char *month,
	    const struct ctl_usage_row *, size_t, int json);
/* A time inside month "YYYY-MM" (its 15th, noon, local), or -1. */
time_t	ctl_month_time(const char *month);
/* Set a sender's counter to 0 and take its count off the domain's. */
int	ctl_usage_reset(const struct sg_conf *, const char *primary,
	    const char *sender, const char *month, long *was);

/* ---- ctl_explain.c ------------------------------------------------------ */

struct ctl_explain_args {
	const char	*from;
	const char	*auth;		/* NULL: not authenticated */
	const char	*client;	/* NULL: unknown */
	const char	*listener;	/* NULL: default_access_method */
};

/* Print the answer at MAIL FROM and why; CTL_OK passes, CTL_NOTFOUND not. */
int	ctl_explain(const struct sg_conf *, const struct ctl_explain_args *,
	    FILE *);

#endif
