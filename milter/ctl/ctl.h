/*
 * ctl.h - internal interfaces of sendergatectl, the administration tool.
 *
 * sendergatectl.c holds the command table and main; the ctl_*.c
 * modules share this header:
 *
 *   ctl_args.c      the command line: options, parsing, usage errors
 *   ctl_entry.c     sender and domain add, update, suspend/disable/
 *                   activate, delete and passwd: one validate-then-apply
 *                   path for all of them
 *   ctl_list.c      show and list, as text or JSON
 *   ctl_json.c      JSON strings, and explain's lines as a JSON object
 *   ctl_rec.c       an LDAP entry as attribute -> values, edited in memory
 *   ctl_validate.c  the validation phase: a pure function from records
 *                   and facts to a list of problems (unit-tested)
 *   ctl_ldap.c      reading entries, the facts, and the execution phase
 *                   (LDAP add/modify/delete, or LDIF for --dry-run)
 *   ctl_passwd.c    {SSHA} hashes, password input and generation
 *   ctl_usage.c     this month's counters as a table or JSON; reset
 *   ctl_explain.c   what the milter would answer at MAIL FROM, and why
 *   ctl_sheet*.c    the onboarding sheet: what a customer receives
 *   ctl_suppress.c  the suppression lists; suppress learn (bounces)
 *   ctl_complaint.c complaint learn (feedback reports)
 *   ctl_reputation.c  bounce and complaint rates: judged when learned;
 *                   reputation, reinstate
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

#include "lib/conf.h"
#include "redis/counter.h"
#include "dir/dir.h"

/* Exit codes. */
#define CTL_OK		0
#define CTL_NOTFOUND	1	/* show/usage: no such entry; explain: refused */
#define CTL_USAGE	2	/* bad command line */
#define CTL_INVALID	3	/* the validation phase found problems */
#define CTL_BACKEND	4	/* LDAP or Redis failed */

/* ---- ctl_args.c: the command line --------------------------------------- */

/* Options that edit an entry or feed explain, kept in command-line order. */
enum ctl_opt {
	O_NAME = 256, O_DESCRIPTION, O_ACCESS, O_AUTH, O_AUTHID, O_NETWORK,
	O_BCC, O_ARCHIVE, O_LIMIT, O_REPLYTO, O_STATUS, O_REASON, O_PRIMARY,
	O_ARCHIVEADDR,
	O_ADD_ACCESS, O_RM_ACCESS, O_ADD_AUTH, O_RM_AUTH, O_ADD_AUTHID,
	O_RM_AUTHID, O_ADD_NETWORK, O_RM_NETWORK, O_ADD_BCC, O_RM_BCC,
	O_NOTIFY, O_ADD_NOTIFY, O_RM_NOTIFY,
	O_DKIM, O_ADD_DKIM, O_RM_DKIM,		/* sgDkimSelector */
	O_RATE, O_ADD_RATE, O_RM_RATE,		/* sgSendRate */
	O_FROM, O_CLIENT, O_LISTENER,
	O_DOMAIN, O_RELAY,			/* suppress, verify-reply-to */
	O_LAST_EDIT = O_RELAY,
	/* plain switches */
	O_YES, O_JSON, O_MONTH, O_GENERATE, O_DRYRUN, O_BINDDN, O_BINDPW,
	O_SORT, O_VERBOSE, O_MAIL, O_SKIPDNS, O_ALL
};

struct ctl_edit {
	int		 opt;		/* enum ctl_opt */
	const char	*value;
};

struct ctl_args {
	const char	*conf;
	const char	*bind_dn, *bind_pw_file;
	int		 dry_run, yes, json, generate, help, verbose;
	int		 mail;		/* sender sheet --mail */
	int		 skip_dns;	/* domain add/update --skip-dns-check */
	int		 all;		/* domain check --all */
	const char	*month;
	const char	*sort;		/* NULL, "address" or "use" */
	struct ctl_edit	*edits;		/* owned: free with ctl_args_free */
	size_t		 nedits;
	char		**pos;		/* command words and operands */
	int		 npos;
};

/*
 * Parse argv into a (options anywhere). CTL_OK, CTL_USAGE (a bad option:
 * getopt said which, the hint is printed), or CTL_BACKEND (out of memory).
 */
int	ctl_args_parse(int argc, char *argv[], struct ctl_args *a);
void	ctl_args_free(struct ctl_args *);
/* The value of the last edit option opt, or NULL. */
const char *ctl_edit_value(const struct ctl_args *, int opt);
/* "--name" for an option number. */
const char *ctl_opt_name(int opt);
/*
 * A usage error: "sendergatectl: [cmd: ]message" and the hint "Try
 * 'sendergatectl [cmd] --help'." on stderr. Returns CTL_USAGE.
 */
int	ctl_usage_error(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

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

/* 1 when the sender has the user authentication method (or none set). */
int	ctl_sender_uses_user_auth(const struct ctl_rec *);

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
	struct counters		*ctrs;	/* NULL until ctl_counters_open */
	int			 dry_run;
	FILE			*out;	/* stdout */
};

/*
 * Open x->ctrs (redis/counter.c, as the daemon counts) on first use; any
 * command may. run() in sendergatectl.c closes them. 0, or -1 (reported).
 */
int	ctl_counters_open(struct ctl_ctx *x);

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

/* The senders directly under a domain's DN. 0 / -1 (reported). */
int	ctl_domain_senders(struct ctl_ctx *, const char *dn,
	    struct ctl_rec ***v, size_t *n);

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

/* The crypt_gensalt prefix of new passwords: yescrypt. */
#define CTL_CRYPT_PREFIX	"$y$"

/* "{CRYPT}$y$..." of pw into out (at least 160 octets). 0, or -1. */
int	ctl_hash_password(const char *pw, char *out, size_t outlen);
/* 1 if pw matches a {CRYPT} or {SSHA} value, 0 if not. */
int	ctl_password_check(const char *hash, const char *pw);

/* 1 if hash (an {SSHA} value) matches pw, 0 if not. */
int	ctl_ssha_check(const char *hash, const char *pw);
/* A random password of len characters (letters, digits). 0 / -1. */
int	ctl_genpw(char *out, size_t len);
/* Read a password: terminal without echo (asked twice), else stdin. */
int	ctl_readpw(char *out, size_t len);

/* ---- ctl_entry.c, ctl_list.c, ctl_usage.c: the commands ---------------- */

/*
 * Each command takes the operands after its name (argv, argc) and returns
 * an exit code (CTL_*); every path frees what it took.
 */
int	ctl_cmd_sender_add(struct ctl_ctx *, const struct ctl_args *,
	    char **argv, int argc);
int	ctl_cmd_sender_update(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_sender_delete(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_domain_add(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_domain_update(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_domain_delete(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_suspend(struct ctl_ctx *, const struct ctl_args *, char **,
	    int);
int	ctl_cmd_disable(struct ctl_ctx *, const struct ctl_args *, char **,
	    int);
int	ctl_cmd_activate(struct ctl_ctx *, const struct ctl_args *, char **,
	    int);
int	ctl_cmd_passwd(struct ctl_ctx *, const struct ctl_args *, char **,
	    int);
int	ctl_cmd_sender_show(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_sender_list(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_domain_show(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_domain_list(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_usage(struct ctl_ctx *, const struct ctl_args *, char **,
	    int);
int	ctl_cmd_usage_reset(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_explain(struct ctl_ctx *, const struct ctl_args *, char **,
	    int);

/* ctl_suppress.c: suppress add | remove | list | show | learn */
int	ctl_cmd_suppress_add(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_suppress_remove(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_suppress_list(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_suppress_show(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_suppress_learn(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
/* Standard input, all of it (a report on a pipe); malloc'd, or NULL. */
char	*ctl_read_stdin(size_t *len);

/* ctl_complaint.c: complaint learn */
int	ctl_cmd_complaint_learn(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);

/* ctl_reputation.c: reputation, reinstate; what a learned event does */
int	ctl_cmd_reputation(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_reinstate(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
/* A bounce ('b') or complaint ('c') of sender's, matched: counted, judged. */
void	ctl_reputation_event(struct ctl_ctx *, const char *sender, char kind);

/* ctl_verify.c: sender verify-reply-to | confirm-reply-to */
int	ctl_cmd_verify_reply_to(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_confirm_reply_to(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);

/* ctl_sheet_cmd.c: sender sheet ADDRESS [--json] [--mail] */
int	ctl_cmd_sender_sheet(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
/*
 * Print the sheet of sender mail, just written, on x->out (text or
 * JSON), with password (one just generated: the only place it is shown)
 * or NULL. CTL_OK; else CTL_NOTFOUND or CTL_BACKEND (reported), and a
 * password is still printed alone, as "password: ...".
 */
int	ctl_sheet_print(struct ctl_ctx *, const char *mail,
	    const char *password, int json);

/* The SMTP password of a sender entry. */
enum ctl_password {
	PASSWORD_SET,			/* it has a userPassword */
	PASSWORD_NONE,			/* it has none */
	PASSWORD_HIDDEN,		/* this account may not read it: give
					   --bind-dn to tell */
	PASSWORD_FAILED			/* LDAP failed (reported) */
};
enum ctl_password ctl_sender_password(struct ctl_ctx *,
	    const struct ctl_rec *);
/* ctl_sender_password in words ("set", "NONE: ...", "unknown: ..."). */
const char *ctl_password_words(struct ctl_ctx *, const struct ctl_rec *);

/* ---- ctl_domain_check.c: domain token, domain check ------------------ */

int	ctl_cmd_domain_token(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
int	ctl_cmd_domain_check(struct ctl_ctx *, const struct ctl_args *,
	    char **, int);
/*
 * The ownership check of domain add and update (validation phase): when
 * r's sgPrimaryDomain is new (old NULL, or another primary), look for
 * the ownership record and set sgPrimaryDomainVerified(At) on r, or,
 * with --skip-dns-check, record the reason in sgDnsCheckSkipReason; a
 * record missing, or no domain_token_secret_file to check with, is a
 * problem in p. CTL_OK, or CTL_BACKEND (DNS failed: reported).
 */
int	ctl_domain_verify(struct ctl_ctx *, const struct ctl_args *,
	    const struct ctl_rec *old, struct ctl_rec *r,
	    struct ctl_problems *p);

/* ---- ctl_json.c --------------------------------------------------------- */

/* s as a JSON string (quoted, escaped). */
void	ctl_json_str(FILE *, const char *s);
/* A record as a JSON object: "dn", then each attribute as an array. */
void	ctl_json_rec(FILE *, const struct ctl_rec *);
/*
 * explain's "key: value" lines (text, NUL-terminated) as one JSON object
 * of strings, with "passes" (true/false) and "exit" added.
 */
void	ctl_json_lines(FILE *, const char *text, int passes, int exit_code);

/* ---- ctl_usage.c ------------------------------------------------------- */

struct ctl_usage_row {
	const char	*kind;		/* "sender" or "domain" */
	const char	*name;		/* the address, or the primary domain */
	long		 count;		/* -1: unknown */
	long		 limit;		/* LIMIT_NONE: none */
	const char	*group;		/* the domain the row belongs to */
	int		 warned;	/* highest quota_warn % reached; 0 */
	struct sg_rate	 rates[SG_RATES_MAX];	/* its sending rates */
	long		 used[SG_RATES_MAX];	/* accepted in each window;
						   -1: unknown */
	size_t		 nrates;
};

/* Print rows as a table (remaining, percent and a bar) or JSON. */
void	ctl_usage_print(FILE *, const char *month,
	    const struct ctl_usage_row *, size_t, int json);
/* A time inside month "YYYY-MM" (its 15th, noon, local), or -1. */
time_t	ctl_month_time(const char *month);

/* ---- ctl_explain.c ------------------------------------------------------ */

struct ctl_explain_args {
	const char	*from;
	const char	*auth;		/* NULL: not authenticated */
	const char	*client;	/* NULL: unknown */
	const char	*listener;	/* NULL: default_access_method */
};

/* Print the answer at MAIL FROM and why; CTL_OK passes, CTL_NOTFOUND not. */
int	ctl_explain(const struct sg_conf *, struct counters *,
	    const struct ctl_explain_args *,
	    FILE *);

#endif
