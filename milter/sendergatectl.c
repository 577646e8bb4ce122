/*
 * sendergatectl.c - the administration tool of sendergate: senders and
 * domains in LDAP, their passwords, their counters, and what the milter
 * would answer.
 *
 *	sendergatectl [-c file] [options] command [argument]
 *
 * Every change runs in two phases: the validation phase gathers the
 * final state of the entry and the facts around it and reports every
 * problem at once (ctl_validate.c); only when there is none does the
 * execution phase write (ctl_ldap.c), or print the LDIF with --dry-run.
 *
 * Exit: 0 done, 1 not found (show, usage, passwd, delete) or "refused"
 * (explain), 2 usage error, 3 validation failed (nothing written),
 * 4 LDAP or Redis failed.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "addr.h"
#include "counter.h"
#include "ctl.h"
#include "log.h"
#include "paths.h"
#include "policy.h"

#define CONF_DEFAULT	SG_CONF_PATH
#define GENPW_LEN	20

/* Options that edit an entry or feed explain: kept in command-line order. */
enum {
	O_NAME = 256, O_DESCRIPTION, O_ACCESS, O_AUTH, O_AUTHID, O_NETWORK,
	O_BCC, O_ARCHIVE, O_LIMIT, O_REPLYTO, O_STATUS, O_REASON, O_PRIMARY,
	O_ARCHIVEADDR,
	O_ADD_ACCESS, O_RM_ACCESS, O_ADD_AUTH, O_RM_AUTH, O_ADD_AUTHID,
	O_RM_AUTHID, O_ADD_NETWORK, O_RM_NETWORK, O_ADD_BCC, O_RM_BCC,
	O_FROM, O_CLIENT, O_LISTENER,
	/* plain switches */
	O_YES, O_JSON, O_MONTH, O_GENERATE, O_DRYRUN, O_BINDDN, O_BINDPW
};

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "bind-dn", required_argument, NULL, O_BINDDN },
	{ "bind-password-file", required_argument, NULL, O_BINDPW },
	{ "dry-run", no_argument, NULL, O_DRYRUN },
	{ "yes", no_argument, NULL, O_YES },
	{ "json", no_argument, NULL, O_JSON },
	{ "month", required_argument, NULL, O_MONTH },
	{ "generate", no_argument, NULL, O_GENERATE },
	{ "name", required_argument, NULL, O_NAME },
	{ "description", required_argument, NULL, O_DESCRIPTION },
	{ "access", required_argument, NULL, O_ACCESS },
	{ "auth", required_argument, NULL, O_AUTH },
	{ "auth-id", required_argument, NULL, O_AUTHID },
	{ "network", required_argument, NULL, O_NETWORK },
	{ "bcc", required_argument, NULL, O_BCC },
	{ "archive", required_argument, NULL, O_ARCHIVE },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "reply-to", required_argument, NULL, O_REPLYTO },
	{ "status", required_argument, NULL, O_STATUS },
	{ "reason", required_argument, NULL, O_REASON },
	{ "primary", required_argument, NULL, O_PRIMARY },
	{ "archive-address", required_argument, NULL, O_ARCHIVEADDR },
	{ "add-access", required_argument, NULL, O_ADD_ACCESS },
	{ "remove-access", required_argument, NULL, O_RM_ACCESS },
	{ "add-auth", required_argument, NULL, O_ADD_AUTH },
	{ "remove-auth", required_argument, NULL, O_RM_AUTH },
	{ "add-auth-id", required_argument, NULL, O_ADD_AUTHID },
	{ "remove-auth-id", required_argument, NULL, O_RM_AUTHID },
	{ "add-network", required_argument, NULL, O_ADD_NETWORK },
	{ "remove-network", required_argument, NULL, O_RM_NETWORK },
	{ "add-bcc", required_argument, NULL, O_ADD_BCC },
	{ "remove-bcc", required_argument, NULL, O_RM_BCC },
	{ "from", required_argument, NULL, O_FROM },
	{ "client", required_argument, NULL, O_CLIENT },
	{ "listener", required_argument, NULL, O_LISTENER },
	{ NULL, 0, NULL, 0 }
};

/* How an edit option maps to an attribute. */
enum vkind { V_TEXT, V_WORD, V_ADDR, V_BOOL };
enum eop { E_SET, E_ADD, E_REMOVE };

struct emap {
	int		 opt;
	const char	*attr;
	const char	*name;		/* the option, for messages */
	enum vkind	 kind;
	enum eop	 op;
	int		 multi;
	int		 sender, domain; /* applies to */
};

static const struct emap emaps[] = {
	{ O_NAME, "cn", "--name", V_TEXT, E_SET, 0, 1, 0 },
	{ O_DESCRIPTION, "description", "--description", V_TEXT, E_SET, 0,
	    1, 1 },
	{ O_ACCESS, "sgAccessMethod", "--access", V_WORD, E_SET, 1, 1, 0 },
	{ O_AUTH, "sgAuthMethod", "--auth", V_WORD, E_SET, 1, 1, 0 },
	{ O_AUTHID, "sgAuthId", "--auth-id", V_ADDR, E_SET, 1, 1, 0 },
	{ O_NETWORK, "sgAllowedNetwork", "--network", V_TEXT, E_SET, 1, 1,
	    1 },
	{ O_BCC, "sgBccAddress", "--bcc", V_ADDR, E_SET, 1, 1, 0 },
	{ O_ARCHIVE, "sgArchive", "--archive", V_BOOL, E_SET, 0, 1, 0 },
	{ O_LIMIT, "sgMonthlyLimit", "--limit", V_TEXT, E_SET, 0, 1, 1 },
	{ O_REPLYTO, "sgReplyTo", "--reply-to", V_ADDR, E_SET, 0, 1, 0 },
	{ O_STATUS, "sgStatus", "--status", V_WORD, E_SET, 0, 1, 1 },
	{ O_REASON, "sgStatusReason", "--reason", V_TEXT, E_SET, 0, 1, 1 },
	{ O_PRIMARY, "sgPrimaryDomain", "--primary", V_WORD, E_SET, 0, 0,
	    1 },
	{ O_ARCHIVEADDR, "sgArchiveAddress", "--archive-address", V_ADDR,
	    E_SET, 0, 0, 1 },
	{ O_ADD_ACCESS, "sgAccessMethod", "--add-access", V_WORD, E_ADD, 1,
	    1, 0 },
	{ O_RM_ACCESS, "sgAccessMethod", "--remove-access", V_WORD, E_REMOVE,
	    1, 1, 0 },
	{ O_ADD_AUTH, "sgAuthMethod", "--add-auth", V_WORD, E_ADD, 1, 1, 0 },
	{ O_RM_AUTH, "sgAuthMethod", "--remove-auth", V_WORD, E_REMOVE, 1, 1,
	    0 },
	{ O_ADD_AUTHID, "sgAuthId", "--add-auth-id", V_ADDR, E_ADD, 1, 1, 0 },
	{ O_RM_AUTHID, "sgAuthId", "--remove-auth-id", V_ADDR, E_REMOVE, 1,
	    1, 0 },
	{ O_ADD_NETWORK, "sgAllowedNetwork", "--add-network", V_TEXT, E_ADD,
	    1, 1, 1 },
	{ O_RM_NETWORK, "sgAllowedNetwork", "--remove-network", V_TEXT,
	    E_REMOVE, 1, 1, 1 },
	{ O_ADD_BCC, "sgBccAddress", "--add-bcc", V_ADDR, E_ADD, 1, 1, 0 },
	{ O_RM_BCC, "sgBccAddress", "--remove-bcc", V_ADDR, E_REMOVE, 1, 1,
	    0 },
	{ 0, NULL, NULL, V_TEXT, E_SET, 0, 0, 0 }
};

struct edit {
	int		 opt;
	const char	*value;
};

struct args {
	const char	*conf;
	const char	*bind_dn, *bind_pw_file;
	int		 dry_run, yes, json, generate;
	const char	*month;
	struct edit	*edits;
	size_t		 nedits;
	char		**pos;		/* command words and operands */
	int		 npos;
};

/* Print the usage and exit 2. */
static void __attribute__((noreturn))
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "sendergatectl: %s\n", why);
	fprintf(stderr,
	    "usage: sendergatectl [-c file] [--bind-dn DN --bind-password-file FILE]\n"
	    "           [--dry-run] command ...\n"
	    "  domain add NAME --primary DOMAIN [--limit N] [--network CIDR]...\n"
	    "                  [--archive-address A] [--description T] [--status S --reason T]\n"
	    "  domain update NAME [options of add, --add-network, --remove-network]\n"
	    "  domain show|delete NAME [--yes]      domain list\n"
	    "  sender add ADDRESS --name N --access smtp|campaign... --auth user|ip...\n"
	    "                  [--auth-id LOGIN]... --limit N [--network CIDR]... [--bcc A]...\n"
	    "                  [--archive yes|no] [--reply-to A] [--description T]\n"
	    "                  [--status S --reason T]\n"
	    "  sender update ADDRESS [options of add; --add-X / --remove-X for\n"
	    "                  access, auth, auth-id, network, bcc]\n"
	    "  sender show|delete ADDRESS [--yes]   sender list [DOMAIN]\n"
	    "  passwd SENDER [--generate]\n"
	    "  suspend|disable|activate SENDER|DOMAIN --reason TEXT\n"
	    "  usage [SENDER|DOMAIN] [--month YYYY-MM] [--json]\n"
	    "  usage reset SENDER --yes [--month YYYY-MM]\n"
	    "  explain --from ADDR [--auth LOGIN] [--client IP] [--listener NAME]\n");
	exit(CTL_USAGE);
}

/* The value of the last edit opt, or NULL. */
static const char *
edit_value(const struct args *a, int opt)
{
	const char	*v = NULL;
	size_t		 i;

	for (i = 0; i < a->nedits; i++)
		if (a->edits[i].opt == opt)
			v = a->edits[i].value;
	return v;
}

/* Parse the command line into a. */
static void
parse_args(int argc, char *argv[], struct args *a)
{
	struct edit	*e;
	int		 ch;

	memset(a, 0, sizeof(*a));
	a->conf = CONF_DEFAULT;
	while ((ch = getopt_long(argc, argv, "c:hn", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			a->conf = optarg;
			break;
		case 'n':
		case O_DRYRUN:
			a->dry_run = 1;
			break;
		case O_BINDDN:
			a->bind_dn = optarg;
			break;
		case O_BINDPW:
			a->bind_pw_file = optarg;
			break;
		case O_YES:
			a->yes = 1;
			break;
		case O_JSON:
			a->json = 1;
			break;
		case O_MONTH:
			a->month = optarg;
			break;
		case O_GENERATE:
			a->generate = 1;
			break;
		case 'h':
			usage(NULL);
		default:
			if (ch < O_NAME || ch > O_LISTENER)
				usage(NULL);
			e = reallocarray(a->edits, a->nedits + 1, sizeof(*e));
			if (e == NULL) {
				fprintf(stderr, "sendergatectl: out of "
				    "memory\n");
				exit(CTL_BACKEND);
			}
			a->edits = e;
			e[a->nedits].opt = ch;
			e[a->nedits].value = optarg;
			a->nedits++;
			break;
		}
	}
	a->pos = argv + optind;
	a->npos = argc - optind;
	if (a->npos == 0)
		usage("no command");
}

/* Refuse edit options for commands that take none (but allow some). */
static void
no_edits(const struct args *a, const char *cmd, const int *allowed)
{
	size_t	 i, k;
	int	 ok;

	for (i = 0; i < a->nedits; i++) {
		ok = 0;
		for (k = 0; allowed != NULL && allowed[k] != 0; k++)
			ok |= allowed[k] == a->edits[i].opt;
		if (ok)
			continue;
		for (k = 0; longopts[k].name != NULL; k++)
			if (longopts[k].val == a->edits[i].opt) {
				fprintf(stderr, "sendergatectl: %s takes no "
				    "--%s\n", cmd, longopts[k].name);
				exit(CTL_USAGE);
			}
	}
}

/* Print the problems; CTL_INVALID. */
static int
report(const struct ctl_problems *p)
{
	size_t	 i;

	fprintf(stderr, "sendergatectl: %zu problem%s, nothing written:\n",
	    p->n, p->n == 1 ? "" : "s");
	for (i = 0; i < p->n; i++)
		fprintf(stderr, "  - %s\n", p->msg[i]);
	return CTL_INVALID;
}

/* A value as stored: words lower case, addresses normalised, booleans. */
static const char *
normalise(const struct emap *m, const char *v, char *buf, size_t len)
{
	const char	*dom, *b;
	size_t		 i;

	switch (m->kind) {
	case V_WORD:
		for (i = 0; v[i] != '\0' && i + 1 < len; i++)
			buf[i] = (char)((v[i] >= 'A' && v[i] <= 'Z') ?
			    v[i] - 'A' + 'a' : v[i]);
		buf[i] = '\0';
		return buf;
	case V_ADDR:
		if (v[0] != '\0' && len > SG_ADDR_MAX &&
		    strpbrk(v, " \t") == NULL &&
		    addr_parse_envelope(v, buf, len, &dom) == ADDR_OK)
			return buf;
		return v;		/* the validation phase reports it */
	case V_BOOL:
		b = ctl_bool_word(v);
		return b != NULL ? b : v;
	default:
		return v;
	}
}

/*
 * Apply the edit options to r, in order. On add (adding = 1) a plain
 * option adds its value; on update the first plain option of an
 * attribute replaces all its values. An empty value clears the attribute.
 */
static int
apply_edits(const struct args *a, struct ctl_rec *r, int sender, int adding,
    struct ctl_problems *p)
{
	const struct emap	*m;
	const char		*v;
	char			 buf[SG_ADDR_MAX + 1024], seen[64];
	size_t			 i;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < a->nedits; i++) {
		for (m = emaps; m->opt != 0; m++)
			if (m->opt == a->edits[i].opt)
				break;
		if (m->opt == 0 || (sender ? !m->sender : !m->domain)) {
			fprintf(stderr, "sendergatectl: %s: not an option for "
			    "a %s\n", m->opt ? m->name : "option",
			    sender ? "sender" : "domain");
			exit(CTL_USAGE);
		}
		if (adding && m->op != E_SET) {
			fprintf(stderr, "sendergatectl: %s: for update; add "
			    "takes the plain option\n", m->name);
			exit(CTL_USAGE);
		}
		v = normalise(m, a->edits[i].value, buf, sizeof(buf));
		switch (m->op) {
		case E_SET:
			if (!m->multi || (!adding && !seen[m - emaps])) {
				if (ctl_rec_set(r, m->attr, v) == -1)
					return -1;
			} else if (v[0] != '\0' &&
			    ctl_rec_add(r, m->attr, v) == -1)
				return -1;
			seen[m - emaps] = 1;
			break;
		case E_ADD:
			if (ctl_rec_add(r, m->attr, v) == -1)
				return -1;
			break;
		case E_REMOVE:
			if (ctl_rec_remove(r, m->attr, v) == 0)
				ctl_problem(p, "%s %s: %s has no such value",
				    m->name, v, m->attr);
			break;
		}
	}
	return 0;
}

/* An RFC 4514 escaped RDN value into out. */
static void
dn_escape(const char *v, char *out, size_t len)
{
	size_t	 o = 0;

	for (; *v != '\0' && o + 3 < len; v++) {
		if (strchr(",+\"\\<>;=", *v) != NULL ||
		    (o == 0 && (*v == '#' || *v == ' ')) ||
		    (v[1] == '\0' && *v == ' '))
			out[o++] = '\\';
		out[o++] = *v;
	}
	out[o] = '\0';
}

/* The facts around a sender: its domain, duplicates, login holders. */
struct sfacts {
	struct ctl_facts	 f;
	struct ctl_rec		**doms;
	size_t			  ndoms;
	const char		**dups;
	struct ctl_owner	 *owners;
	struct ctl_rec		**hold;
	size_t			  nhold;
};

/* Gather; -1 on a backend failure (reported). */
static int
sender_facts(struct ctl_ctx *x, const struct ctl_rec *r, const char *dom,
    struct sfacts *s)
{
	size_t	 i;

	memset(s, 0, sizeof(*s));
	s->f.conf = x->conf;
	if (dom != NULL) {
		if (ctl_find_domain_by_primary(x, dom, &s->doms, &s->ndoms) ==
		    -1)
			return -1;
		if (s->ndoms > 0)
			s->f.domain = s->doms[0];
		if (s->ndoms > 1 &&
		    (s->dups = calloc(s->ndoms, sizeof(char *))) != NULL) {
			for (i = 1; i < s->ndoms; i++)
				s->dups[i - 1] = s->doms[i]->dn;
			s->f.dup_domains = s->dups;
			s->f.ndup = s->ndoms - 1;
		}
	}
	if (ctl_find_owners(x, r, &s->owners, &s->f.nowners, &s->hold,
	    &s->nhold) == -1)
		return -1;
	s->f.owners = s->owners;
	return 0;
}

/* Free the facts. */
static void
sender_facts_free(struct sfacts *s)
{
	ctl_recs_free(s->doms, s->ndoms);
	free(s->dups);
	free(s->owners);
	ctl_recs_free(s->hold, s->nhold);
}

/* The normalised address of an operand; NULL (problem added) if bad. */
static const char *
operand_addr(const char *in, char *out, size_t len, struct ctl_problems *p)
{
	const char	*dom;

	if (strpbrk(in, " \t") != NULL ||
	    addr_parse_envelope(in, out, len, &dom) != ADDR_OK) {
		ctl_problem(p, "sender <%s>: not a valid address", in);
		return NULL;
	}
	return out;
}

/* sender add ADDRESS ... */
static int
cmd_sender_add(struct ctl_ctx *x, const struct args *a, const char *arg)
{
	struct ctl_problems	 p = { NULL, 0 };
	struct ctl_rec		*r = NULL, *old = NULL;
	struct sfacts		 s;
	char			 mail[SG_ADDR_MAX + 1], esc[3 * SG_ADDR_MAX];
	char			 dn[4096];
	int			 ret = CTL_BACKEND, rc;

	memset(&s, 0, sizeof(s));
	if (operand_addr(arg, mail, sizeof(mail), &p) == NULL)
		return report(&p);
	if ((r = ctl_rec_new(NULL)) == NULL ||
	    ctl_rec_set(r, "objectClass", "sgSender") == -1 ||
	    ctl_rec_set(r, "mail", mail) == -1 ||
	    apply_edits(a, r, 1, 1, &p) == -1)
		goto oom;
	if ((rc = ctl_find_sender(x, mail, &old)) == -1)
		goto out;
	if (rc == 1)
		ctl_problem(&p, "sender <%s>: already exists (%s)", mail,
		    old->dn);
	if (sender_facts(x, r, addr_domain(mail), &s) == -1)
		goto out;
	if (s.f.domain != NULL) {
		dn_escape(mail, esc, sizeof(esc));
		snprintf(dn, sizeof(dn), "mail=%s,%s", esc, s.f.domain->dn);
		if ((r->dn = strdup(dn)) == NULL)
			goto oom;
	}
	s.f.complete = 1;
	ctl_validate_sender(r, &s.f, &p);
	if (p.n > 0) {
		ret = report(&p);
		goto out;
	}
	if (ctl_apply_add(x, r) == -1)
		goto out;
	if (!x->dry_run)
		printf("added %s\n", r->dn);
	ret = CTL_OK;
	goto out;
oom:
	fprintf(stderr, "sendergatectl: out of memory\n");
out:
	sender_facts_free(&s);
	ctl_problems_free(&p);
	ctl_rec_free(r);
	ctl_rec_free(old);
	return ret;
}

/* Change a sender: update (edits) or a status command (status set). */
static int
change_sender(struct ctl_ctx *x, const struct args *a, const char *arg,
    const char *status, const char *reason)
{
	struct ctl_problems	 p = { NULL, 0 };
	struct ctl_rec		*old = NULL, *r = NULL;
	struct sfacts		 s;
	char			 mail[SG_ADDR_MAX + 1];
	int			 ret = CTL_BACKEND, rc;

	memset(&s, 0, sizeof(s));
	if (operand_addr(arg, mail, sizeof(mail), &p) == NULL)
		return report(&p);
	if ((rc = ctl_find_sender(x, mail, &old)) == -1)
		return CTL_BACKEND;
	if (rc == 0) {
		fprintf(stderr, "sendergatectl: no sender <%s>\n", mail);
		return CTL_NOTFOUND;
	}
	if ((r = ctl_rec_dup(old)) == NULL)
		goto oom;
	if (status != NULL) {
		if (ctl_rec_set(r, "sgStatus", status) == -1 ||
		    ctl_rec_set(r, "sgStatusReason", reason) == -1)
			goto oom;
	} else if (apply_edits(a, r, 1, 0, &p) == -1)
		goto oom;
	if (sender_facts(x, r, addr_domain(mail), &s) == -1)
		goto out;
	s.f.complete = status == NULL;
	ctl_validate_sender(r, &s.f, &p);
	if (p.n > 0) {
		ret = report(&p);
		goto out;
	}
	if (ctl_apply_modify(x, old, r, ctl_sender_attrs) == -1)
		goto out;
	if (!x->dry_run)
		printf("updated %s\n", r->dn);
	ret = CTL_OK;
	goto out;
oom:
	fprintf(stderr, "sendergatectl: out of memory\n");
out:
	sender_facts_free(&s);
	ctl_problems_free(&p);
	ctl_rec_free(r);
	ctl_rec_free(old);
	return ret;
}

/* The senders directly under a domain. */
static int
domain_senders(struct ctl_ctx *x, const char *dn, struct ctl_rec ***v,
    size_t *n)
{
	return ctl_search(x, dn, LDAP_SCOPE_ONELEVEL, "(objectClass=sgSender)",
	    v, n);
}

/* Other domains claiming primary (not dn itself). */
static int
domain_dups(struct ctl_ctx *x, const char *primary, const char *dn,
    struct ctl_rec ***v, size_t *n, const char ***dups, size_t *ndup)
{
	size_t	 i;

	*dups = NULL;
	*ndup = 0;
	if (primary == NULL)
		return 0;
	if (ctl_find_domain_by_primary(x, primary, v, n) == -1)
		return -1;
	if (*n == 0 || (*dups = calloc(*n, sizeof(char *))) == NULL)
		return 0;
	for (i = 0; i < *n; i++)
		if (dn == NULL || strcasecmp((*v)[i]->dn, dn) != 0)
			(*dups)[(*ndup)++] = (*v)[i]->dn;
	return 0;
}

/* domain add / update / status: old NULL for add. */
static int
change_domain(struct ctl_ctx *x, const struct args *a, const char *name,
    int adding, const char *status, const char *reason)
{
	struct ctl_problems	 p = { NULL, 0 };
	struct ctl_rec		*old = NULL, *r = NULL, **dv = NULL, **sv = NULL;
	struct ctl_facts	 f;
	const char		**dups = NULL;
	char			 esc[1024], dn[4096];
	size_t			 nd = 0, ns = 0;
	int			 ret = CTL_BACKEND, rc;

	memset(&f, 0, sizeof(f));
	f.conf = x->conf;
	if ((rc = ctl_find_domain(x, name, &old)) == -1)
		return CTL_BACKEND;
	if (adding) {
		if (rc == 1)
			ctl_problem(&p, "domain %s: already exists (%s)", name,
			    old->dn);
		dn_escape(name, esc, sizeof(esc));
		snprintf(dn, sizeof(dn), "sgDomainName=%s,%s", esc,
		    x->conf->ldap_base);
		if ((r = ctl_rec_new(dn)) == NULL ||
		    ctl_rec_set(r, "objectClass", "sgDomain") == -1 ||
		    ctl_rec_set(r, "sgDomainName", name) == -1)
			goto oom;
	} else {
		if (rc == 0) {
			fprintf(stderr, "sendergatectl: no domain %s\n", name);
			return CTL_NOTFOUND;
		}
		if ((r = ctl_rec_dup(old)) == NULL)
			goto oom;
	}
	if (status != NULL) {
		if (ctl_rec_set(r, "sgStatus", status) == -1 ||
		    ctl_rec_set(r, "sgStatusReason", reason) == -1)
			goto oom;
	} else if (apply_edits(a, r, 0, adding, &p) == -1)
		goto oom;
	if (domain_dups(x, ctl_rec_first(r, "sgPrimaryDomain"), r->dn, &dv,
	    &nd, &dups, &f.ndup) == -1)
		goto out;
	f.dup_domains = dups;
	if (!adding && domain_senders(x, r->dn, &sv, &ns) == -1)
		goto out;
	f.senders = (const struct ctl_rec *const *)sv;
	f.nsenders = ns;
	ctl_validate_domain(r, &f, &p);
	if (p.n > 0) {
		ret = report(&p);
		goto out;
	}
	if ((adding ? ctl_apply_add(x, r) :
	    ctl_apply_modify(x, old, r, ctl_domain_attrs)) == -1)
		goto out;
	if (!x->dry_run)
		printf("%s %s\n", adding ? "added" : "updated", r->dn);
	ret = CTL_OK;
	goto out;
oom:
	fprintf(stderr, "sendergatectl: out of memory\n");
out:
	free(dups);
	ctl_recs_free(dv, nd);
	ctl_recs_free(sv, ns);
	ctl_problems_free(&p);
	ctl_rec_free(r);
	ctl_rec_free(old);
	return ret;
}

/* show: the entry as LDIF. */
static int
cmd_show(struct ctl_ctx *x, int sender, const char *arg)
{
	struct ctl_problems	 p = { NULL, 0 };
	struct ctl_rec		*r = NULL, **sv = NULL;
	char			 mail[SG_ADDR_MAX + 1];
	size_t			 ns = 0;
	int			 rc;

	if (sender) {
		if (operand_addr(arg, mail, sizeof(mail), &p) == NULL) {
			ctl_problems_free(&p);
			fprintf(stderr, "sendergatectl: no sender <%s>\n", arg);
			return CTL_NOTFOUND;
		}
		rc = ctl_find_sender(x, mail, &r);
	} else
		rc = ctl_find_domain(x, arg, &r);
	if (rc == -1)
		return CTL_BACKEND;
	if (rc == 0) {
		fprintf(stderr, "sendergatectl: no %s %s\n", sender ? "sender" :
		    "domain", arg);
		return CTL_NOTFOUND;
	}
	ctl_print_ldif(stdout, r, NULL);
	if (!sender) {
		if (domain_senders(x, r->dn, &sv, &ns) == -1) {
			ctl_rec_free(r);
			return CTL_BACKEND;
		}
		printf("# senders: %zu\n", ns);
		ctl_recs_free(sv, ns);
	}
	ctl_rec_free(r);
	return CTL_OK;
}

/* Values of an attribute joined with commas into buf. */
static const char *
joined(const struct ctl_rec *r, const char *attr, const char *dflt,
    char *buf, size_t len)
{
	const struct ctl_attr	*a = ctl_rec_get(r, attr);
	size_t			 i, at = 0;
	int			 n;

	buf[0] = '\0';
	if (a == NULL || a->n == 0) {
		snprintf(buf, len, "%s", dflt);
		return buf;
	}
	for (i = 0; i < a->n; i++) {
		n = snprintf(buf + at, len - at, "%s%s", i ? "," : "",
		    a->v[i]);
		if (n < 0 || (size_t)n >= len - at)
			break;
		at += (size_t)n;
	}
	return buf;
}

/* list: domains, or senders (of one domain). */
static int
cmd_list(struct ctl_ctx *x, int sender, const char *arg)
{
	struct ctl_rec	**v = NULL, *d = NULL, **sv;
	char		  b1[256], b2[256], b3[64];
	const char	 *base = x->conf->ldap_base;
	size_t		  n = 0, ns, i;
	int		  rc, scope = LDAP_SCOPE_SUBTREE;

	if (sender && arg != NULL) {
		if ((rc = ctl_find_domain(x, arg, &d)) == -1)
			return CTL_BACKEND;
		if (rc == 0) {
			fprintf(stderr, "sendergatectl: no domain %s\n", arg);
			return CTL_NOTFOUND;
		}
		base = d->dn;
		scope = LDAP_SCOPE_ONELEVEL;
	}
	if (ctl_search(x, base, scope, sender ? "(objectClass=sgSender)" :
	    "(objectClass=sgDomain)", &v, &n) == -1) {
		ctl_rec_free(d);
		return CTL_BACKEND;
	}
	if (sender)
		printf("%-32s %-10s %-14s %-8s %8s  %s\n", "ADDRESS", "STATUS",
		    "ACCESS", "AUTH", "LIMIT", "NAME");
	else
		printf("%-32s %-24s %-10s %8s %8s\n", "DOMAIN", "PRIMARY",
		    "STATUS", "LIMIT", "SENDERS");
	for (i = 0; i < n; i++) {
		if (sender) {
			printf("%-32s %-10s %-14s %-8s %8s  %s\n",
			    ctl_rec_first(v[i], "mail") ?
			    ctl_rec_first(v[i], "mail") : "?",
			    joined(v[i], "sgStatus", "active", b3, sizeof(b3)),
			    joined(v[i], "sgAccessMethod", "smtp", b1,
			    sizeof(b1)),
			    joined(v[i], "sgAuthMethod", "user", b2,
			    sizeof(b2)),
			    ctl_rec_first(v[i], "sgMonthlyLimit") ?
			    ctl_rec_first(v[i], "sgMonthlyLimit") : "default",
			    ctl_rec_first(v[i], "cn") ?
			    ctl_rec_first(v[i], "cn") : "");
			continue;
		}
		ns = 0;
		if (domain_senders(x, v[i]->dn, &sv, &ns) == 0)
			ctl_recs_free(sv, ns);
		printf("%-32s %-24s %-10s %8s %8zu\n",
		    ctl_rec_first(v[i], "sgDomainName") ?
		    ctl_rec_first(v[i], "sgDomainName") : "?",
		    ctl_rec_first(v[i], "sgPrimaryDomain") ?
		    ctl_rec_first(v[i], "sgPrimaryDomain") : "?",
		    joined(v[i], "sgStatus", "active", b3, sizeof(b3)),
		    ctl_rec_first(v[i], "sgMonthlyLimit") ?
		    ctl_rec_first(v[i], "sgMonthlyLimit") : "none", ns);
	}
	ctl_recs_free(v, n);
	ctl_rec_free(d);
	return CTL_OK;
}

/* delete (asks for --yes). */
static int
cmd_delete(struct ctl_ctx *x, const struct args *a, int sender,
    const char *arg)
{
	struct ctl_problems	 p = { NULL, 0 };
	struct ctl_rec		*r = NULL, **sv = NULL;
	struct ctl_facts	 f;
	char			 mail[SG_ADDR_MAX + 1];
	size_t			 ns = 0;
	int			 rc, ret = CTL_BACKEND;

	if (!a->yes && !a->dry_run) {
		fprintf(stderr, "sendergatectl: deleting %s %s is "
		    "irreversible: repeat the command with --yes\n",
		    sender ? "sender" : "domain", arg);
		return CTL_USAGE;
	}
	if (sender) {
		if (operand_addr(arg, mail, sizeof(mail), &p) == NULL)
			return report(&p);
		rc = ctl_find_sender(x, mail, &r);
	} else
		rc = ctl_find_domain(x, arg, &r);
	if (rc == -1)
		return CTL_BACKEND;
	if (rc == 0) {
		fprintf(stderr, "sendergatectl: no %s %s\n", sender ? "sender" :
		    "domain", arg);
		return CTL_NOTFOUND;
	}
	if (!sender) {
		if (domain_senders(x, r->dn, &sv, &ns) == -1)
			goto out;
		memset(&f, 0, sizeof(f));
		f.senders = (const struct ctl_rec *const *)sv;
		f.nsenders = ns;
		if (ctl_validate_domain_delete(r, &f, &p) > 0) {
			ret = report(&p);
			goto out;
		}
	}
	if (ctl_apply_delete(x, r->dn) == -1)
		goto out;
	if (!x->dry_run)
		printf("deleted %s\n", r->dn);
	ret = CTL_OK;
out:
	ctl_recs_free(sv, ns);
	ctl_problems_free(&p);
	ctl_rec_free(r);
	return ret;
}

/* passwd SENDER [--generate] */
static int
cmd_passwd(struct ctl_ctx *x, const struct args *a, const char *arg)
{
	struct ctl_problems	 p = { NULL, 0 };
	struct ctl_rec		*old = NULL, *r = NULL;
	static const char *const attrs[] = { "userPassword", NULL };
	char			 mail[SG_ADDR_MAX + 1], pw[1024], hash[128];
	int			 rc, ret = CTL_BACKEND;

	if (operand_addr(arg, mail, sizeof(mail), &p) == NULL)
		return report(&p);
	if ((rc = ctl_find_sender(x, mail, &old)) == -1)
		return CTL_BACKEND;
	if (rc == 0) {
		fprintf(stderr, "sendergatectl: no sender <%s>\n", mail);
		return CTL_NOTFOUND;
	}
	if (a->generate)
		rc = ctl_genpw(pw, GENPW_LEN + 1);
	else
		rc = ctl_readpw(pw, sizeof(pw));
	if (rc == -1) {
		fprintf(stderr, "sendergatectl: no password %s\n",
		    a->generate ? "generated (no randomness)" : "read");
		ret = a->generate ? CTL_BACKEND : CTL_USAGE;
		goto out;
	}
	if (ctl_ssha(pw, hash, sizeof(hash)) == -1) {
		fprintf(stderr, "sendergatectl: cannot hash the password\n");
		goto out;
	}
	if ((r = ctl_rec_dup(old)) == NULL ||
	    ctl_rec_set(r, "userPassword", hash) == -1) {
		fprintf(stderr, "sendergatectl: out of memory\n");
		goto out;
	}
	if (ctl_apply_modify(x, old, r, attrs) == -1)
		goto out;
	if (a->generate)
		printf("%s\n", pw);
	else if (!x->dry_run)
		printf("password set for <%s>\n", mail);
	ret = CTL_OK;
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	ctl_problems_free(&p);
	ctl_rec_free(r);
	ctl_rec_free(old);
	return ret;
}

/* suspend / disable / activate */
static int
cmd_status(struct ctl_ctx *x, const struct args *a, const char *word,
    const char *arg)
{
	const char	*reason = edit_value(a, O_REASON);

	if (strcmp(word, "active") != 0 && (reason == NULL || *reason == '\0'))
		usage("suspend and disable need --reason TEXT");
	if (strchr(arg, '@') != NULL)
		return change_sender(x, a, arg, word, reason);
	return change_domain(x, a, arg, 0, word, reason);
}

/* Limits of a sender and its domain as the milter applies them. */
static void
limits_of(const struct sg_conf *c, const struct ctl_rec *s,
    const struct ctl_rec *d, struct pol_limits *l)
{
	struct sg_entry	 e;
	const char	*v;

	memset(&e, 0, sizeof(e));
	e.snd.limit = e.dom.limit = LIMIT_NONE;
	if ((v = ctl_rec_first(s, "sgMonthlyLimit")) != NULL)
		e.snd.limit = strtol(v, NULL, 10);
	if ((v = ctl_rec_first(d, "sgMonthlyLimit")) != NULL)
		e.dom.limit = strtol(v, NULL, 10);
	policy_limits(c, &e, l);
}

/* Records kept until the rows pointing into them are printed. */
struct pool {
	struct ctl_rec	**r;
	size_t		  n;
};

/* Move the records of v into the pool (v is freed). 0 / -1. */
static int
pool_take(struct pool *p, struct ctl_rec **v, size_t n)
{
	struct ctl_rec	**nr;

	if (n == 0) {
		free(v);
		return 0;
	}
	if ((nr = reallocarray(p->r, p->n + n, sizeof(*nr))) == NULL) {
		ctl_recs_free(v, n);
		return -1;
	}
	p->r = nr;
	memcpy(p->r + p->n, v, n * sizeof(*v));
	p->n += n;
	free(v);
	return 0;
}

/* Rows of one domain: the domain, then its senders (or the one given). */
static int
usage_rows(struct ctl_ctx *x, struct pool *pool, const struct ctl_rec *d,
    const struct ctl_rec *only, time_t t, struct ctl_usage_row **rows,
    size_t *nrows)
{
	struct ctl_rec		**sv = NULL;
	const struct ctl_rec	 *s;
	struct ctl_usage_row	 *nr;
	struct pol_limits	  l;
	const char		 *prim = ctl_rec_first(d, "sgPrimaryDomain");
	const char		 *mail;
	size_t			  ns = 0, i;
	long			  sc, dc;
	int			  ret = 0;

	if (prim == NULL)
		return 0;
	if (only == NULL) {
		if (domain_senders(x, d->dn, &sv, &ns) == -1)
			return -1;
		if (pool_take(pool, sv, ns) == -1)
			return -1;
		sv = pool->r + pool->n - ns;
	} else
		ns = 1;
	if ((nr = reallocarray(*rows, *nrows + ns + 1, sizeof(*nr))) == NULL)
		return -1;
	*rows = nr;
	limits_of(x->conf, NULL, d, &l);
	nr[*nrows].kind = "domain";
	nr[*nrows].name = prim;
	nr[*nrows].limit = l.domain;
	if (ctr_read(prim, "", t, &sc, &dc) == -1) {
		dc = -1;
		ret = -1;
	}
	nr[*nrows].count = dc;
	(*nrows)++;
	for (i = 0; i < ns; i++) {
		s = only != NULL ? only : sv[i];
		if ((mail = ctl_rec_first(s, "mail")) == NULL)
			continue;
		limits_of(x->conf, s, d, &l);
		nr[*nrows].kind = "sender";
		nr[*nrows].name = mail;
		nr[*nrows].limit = l.sender;
		if (ctr_read(prim, mail, t, &sc, &dc) == -1) {
			sc = -1;
			ret = -1;
		}
		nr[*nrows].count = sc;
		(*nrows)++;
	}
	return ret;
}

/* The sender's domain (the one claiming its address's domain). */
static int
domain_of(struct ctl_ctx *x, const char *mail, struct ctl_rec **d)
{
	struct ctl_rec	**v;
	size_t		  n;

	*d = NULL;
	if (ctl_find_domain_by_primary(x, addr_domain(mail), &v, &n) == -1)
		return -1;
	if (n == 0) {
		free(v);
		return 0;
	}
	*d = v[0];
	v[0] = NULL;
	ctl_recs_free(v, n);
	return 1;
}

/* usage [SENDER|DOMAIN], usage reset SENDER */
static int
cmd_usage(struct ctl_ctx *x, const struct args *a, int argc, char **argv)
{
	struct pool		 pool = { NULL, 0 };
	struct ctl_usage_row	*rows = NULL;
	struct ctl_rec		*one = NULL, *d = NULL, **dv;
	char			 mail[SG_ADDR_MAX + 1], month[SG_MONTH_LEN];
	char			 err[512];
	size_t			 nrows = 0, nd, i;
	time_t			 t = time(NULL);
	long			 was;
	int			 rc, ret = CTL_BACKEND, reset = 0;

	if (argc > 0 && strcmp(argv[0], "reset") == 0) {
		reset = 1;
		argc--;
		argv++;
		if (argc != 1)
			usage("usage reset SENDER --yes");
	}
	if (argc > 1)
		usage("usage [SENDER|DOMAIN]");
	if (a->month != NULL && (t = ctl_month_time(a->month)) == (time_t)-1)
		usage("--month: expected YYYY-MM");
	ctr_month(t, month);
	if (ctr_init(x->conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "sendergatectl: counters: %s\n", err);
		return CTL_BACKEND;
	}
	if (argc == 1 && strchr(argv[0], '@') != NULL) {
		if (addr_parse_envelope(argv[0], mail, sizeof(mail),
		    &(const char *){ NULL }) != ADDR_OK ||
		    (rc = ctl_find_sender(x, mail, &one)) == 0) {
			fprintf(stderr, "sendergatectl: no sender %s\n",
			    argv[0]);
			return CTL_NOTFOUND;
		}
		if (rc == -1 || (rc = domain_of(x, mail, &d)) == -1)
			goto out;
		if (rc == 0) {
			fprintf(stderr, "sendergatectl: no domain claims %s\n",
			    addr_domain(mail));
			ret = CTL_NOTFOUND;
			goto out;
		}
		if (reset) {
			if (!a->yes && !a->dry_run) {
				fprintf(stderr, "sendergatectl: resetting the "
				    "count of <%s> for %s cannot be undone: "
				    "repeat the command with --yes\n", mail,
				    month);
				ret = CTL_USAGE;
				goto out;
			}
			if (a->dry_run) {
				printf("# dry run: would reset the %s count "
				    "of <%s>\n", month, mail);
				ret = CTL_OK;
				goto out;
			}
			if (ctl_usage_reset(x->conf,
			    ctl_rec_first(d, "sgPrimaryDomain"), mail, month,
			    &was) == -1)
				goto out;
			printf("reset <%s> for %s: was %ld\n", mail, month,
			    was);
			ret = CTL_OK;
			goto out;
		}
		rc = usage_rows(x, &pool, d, one, t, &rows, &nrows);
	} else if (reset) {
		usage("usage reset takes a sender address");
	} else if (argc == 1) {
		if ((rc = ctl_find_domain(x, argv[0], &d)) == 0) {
			fprintf(stderr, "sendergatectl: no domain %s\n",
			    argv[0]);
			return CTL_NOTFOUND;
		}
		if (rc == -1)
			goto out;
		rc = usage_rows(x, &pool, d, NULL, t, &rows, &nrows);
	} else {
		if (ctl_search(x, x->conf->ldap_base, LDAP_SCOPE_SUBTREE,
		    "(objectClass=sgDomain)", &dv, &nd) == -1)
			goto out;
		if (pool_take(&pool, dv, nd) == -1)
			goto out;
		for (rc = 0, i = 0; i < nd; i++)
			if (usage_rows(x, &pool, pool.r[i], NULL, t, &rows,
			    &nrows) == -1)
				rc = -1;
	}
	ctl_usage_print(stdout, month, rows, nrows, a->json);
	ret = rc == -1 ? CTL_BACKEND : CTL_OK;
out:
	ctr_shutdown();
	free(rows);
	ctl_recs_free(pool.r, pool.n);
	ctl_rec_free(one);
	ctl_rec_free(d);
	return ret;
}

/* explain --from ... */
static int
cmd_explain(struct ctl_ctx *x, const struct args *a)
{
	struct ctl_explain_args	 ea;
	char			 err[512];
	int			 ret;

	ea.from = edit_value(a, O_FROM);
	ea.auth = edit_value(a, O_AUTH);
	ea.client = edit_value(a, O_CLIENT);
	ea.listener = edit_value(a, O_LISTENER);
	if (ea.from == NULL)
		usage("explain needs --from ADDRESS");
	if (ctr_init(x->conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "sendergatectl: counters: %s\n", err);
		return CTL_BACKEND;
	}
	ret = ctl_explain(x->conf, &ea, stdout);
	ctr_shutdown();
	return ret;
}

/* The admin credentials into the connection configuration. */
static int
credentials(struct ctl_ctx *x, const struct args *a, char **secret)
{
	char	 err[1024];

	*secret = NULL;
	if (a->bind_dn == NULL && a->bind_pw_file == NULL)
		return 0;
	if (a->bind_dn == NULL || a->bind_pw_file == NULL)
		usage("--bind-dn and --bind-password-file go together");
	if (conf_read_secret(a->bind_pw_file, secret, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "sendergatectl: %s\n", err);
		return -1;
	}
	x->wconf.ldap_bind_dn = (char *)(uintptr_t)a->bind_dn;
	x->wconf.ldap_bind_password = *secret;
	return 0;
}

/* Run a command. */
int
main(int argc, char *argv[])
{
	static const int explain_opts[] = { O_FROM, O_AUTH, O_CLIENT,
		O_LISTENER, 0 };
	static const int reason_opt[] = { O_REASON, 0 };
	struct sg_conf	 conf;
	struct ctl_ctx	 x;
	struct args	 a;
	char		 err[1024], *secret = NULL;
	const char	*cmd, *sub, *arg;
	int		 ret = CTL_USAGE, sender;

	parse_args(argc, argv, &a);
	if (conf_load(a.conf, &conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "sendergatectl: %s\n", err);
		return CTL_USAGE;
	}
	log_init("sendergatectl", 1, LOG_LVL_WARNING);
	/* the month of the counters is the month in quota_timezone */
	if (setenv("TZ", conf.quota_timezone, 1) == -1) {
		fprintf(stderr, "sendergatectl: setenv TZ failed\n");
		conf_free(&conf);
		return CTL_BACKEND;
	}
	tzset();

	memset(&x, 0, sizeof(x));
	x.conf = &conf;
	x.wconf = conf;
	x.dry_run = a.dry_run;
	x.out = stdout;
	if (credentials(&x, &a, &secret) == -1) {
		conf_free(&conf);
		return CTL_USAGE;
	}

	cmd = a.pos[0];
	sub = a.npos > 1 ? a.pos[1] : NULL;
	arg = a.npos > 2 ? a.pos[2] : NULL;
	if (strcmp(cmd, "sender") == 0 || strcmp(cmd, "domain") == 0) {
		sender = cmd[0] == 's';
		if (sub == NULL)
			usage("sender/domain: add, update, show, list or "
			    "delete?");
		if (strcmp(sub, "list") == 0) {
			if (a.npos > (sender ? 3 : 2))
				usage("too many arguments");
			no_edits(&a, "list", NULL);
			ret = cmd_list(&x, sender, arg);
			goto done;
		}
		if (arg == NULL || a.npos > 3)
			usage(sender ? "expected one sender address" :
			    "expected one domain name");
		if (strcmp(sub, "add") == 0)
			ret = sender ? cmd_sender_add(&x, &a, arg) :
			    change_domain(&x, &a, arg, 1, NULL, NULL);
		else if (strcmp(sub, "update") == 0) {
			if (a.nedits == 0)
				usage("update: nothing to change");
			ret = sender ? change_sender(&x, &a, arg, NULL, NULL) :
			    change_domain(&x, &a, arg, 0, NULL, NULL);
		} else if (strcmp(sub, "show") == 0) {
			no_edits(&a, "show", NULL);
			ret = cmd_show(&x, sender, arg);
		} else if (strcmp(sub, "delete") == 0) {
			no_edits(&a, "delete", NULL);
			ret = cmd_delete(&x, &a, sender, arg);
		} else
			usage("unknown sub-command");
	} else if (strcmp(cmd, "passwd") == 0) {
		if (a.npos != 2)
			usage("passwd SENDER [--generate]");
		no_edits(&a, "passwd", NULL);
		ret = cmd_passwd(&x, &a, sub);
	} else if (strcmp(cmd, "suspend") == 0 ||
	    strcmp(cmd, "disable") == 0 || strcmp(cmd, "activate") == 0) {
		if (a.npos != 2)
			usage("suspend|disable|activate SENDER|DOMAIN "
			    "--reason TEXT");
		no_edits(&a, cmd, reason_opt);
		ret = cmd_status(&x, &a, cmd[0] == 's' ? "suspended" :
		    cmd[0] == 'd' ? "disabled" : "active", sub);
	} else if (strcmp(cmd, "usage") == 0) {
		no_edits(&a, "usage", NULL);
		ret = cmd_usage(&x, &a, a.npos - 1, a.pos + 1);
	} else if (strcmp(cmd, "explain") == 0) {
		if (a.npos != 1)
			usage("explain takes options only");
		no_edits(&a, "explain", explain_opts);
		ret = cmd_explain(&x, &a);
	} else
		usage("unknown command");
done:
	ctl_ldap_close(&x);
	if (secret != NULL) {
		OPENSSL_cleanse(secret, strlen(secret));
		free(secret);
	}
	free(a.edits);
	conf_free(&conf);
	return ret;
}
