/*
 * ctl_entry.c - the commands that change an entry: sender and domain
 * add, update and delete, suspend / disable / activate, and passwd.
 *
 * All of them go one way, change(): check the operand, read the entry
 * as it is, make the entry as it shall be (the edit options, a status,
 * a password), gather the facts around it, validate (ctl_validate.c:
 * every problem reported at once, nothing written), then write
 * (ctl_ldap.c), or print the LDIF with --dry-run. Whatever happens, the
 * one exit at the end frees everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "lib/addr.h"
#include "ctl/ctl.h"
#include "lib/dirval.h"
#include "lib/log.h"
#include "lib/rate.h"

#define GENPW_LEN	20

/* How an edit option maps to an attribute. */
enum vkind { V_TEXT, V_WORD, V_ADDR, V_LOGIN, V_BOOL, V_RATE };
enum eop { E_SET, E_ADD, E_REMOVE };

struct emap {
	int		 opt;
	const char	*attr;
	enum vkind	 kind;
	enum eop	 op;
	int		 multi;
	int		 sender, domain; /* applies to */
};

static const struct emap emaps[] = {
	{ O_NAME, "cn", V_TEXT, E_SET, 0, 1, 0 },
	{ O_DESCRIPTION, "description", V_TEXT, E_SET, 0, 1, 1 },
	{ O_ACCESS, "sgAccessMethod", V_WORD, E_SET, 1, 1, 0 },
	{ O_AUTH, "sgAuthMethod", V_WORD, E_SET, 1, 1, 0 },
	{ O_AUTHID, "sgAuthId", V_LOGIN, E_SET, 1, 1, 0 },
	{ O_NETWORK, "sgAllowedNetwork", V_TEXT, E_SET, 1, 1, 1 },
	{ O_BCC, "sgBccAddress", V_ADDR, E_SET, 1, 1, 0 },
	{ O_ARCHIVE, "sgArchive", V_BOOL, E_SET, 0, 1, 0 },
	{ O_LIMIT, "sgMonthlyLimit", V_TEXT, E_SET, 0, 1, 1 },
	{ O_REPLYTO, "sgReplyTo", V_ADDR, E_SET, 0, 1, 0 },
	{ O_STATUS, "sgStatus", V_WORD, E_SET, 0, 1, 1 },
	{ O_REASON, "sgStatusReason", V_TEXT, E_SET, 0, 1, 1 },
	{ O_PRIMARY, "sgPrimaryDomain", V_WORD, E_SET, 0, 0, 1 },
	{ O_ARCHIVEADDR, "sgArchiveAddress", V_ADDR, E_SET, 0, 0, 1 },
	{ O_ADD_ACCESS, "sgAccessMethod", V_WORD, E_ADD, 1, 1, 0 },
	{ O_RM_ACCESS, "sgAccessMethod", V_WORD, E_REMOVE, 1, 1, 0 },
	{ O_ADD_AUTH, "sgAuthMethod", V_WORD, E_ADD, 1, 1, 0 },
	{ O_RM_AUTH, "sgAuthMethod", V_WORD, E_REMOVE, 1, 1, 0 },
	{ O_ADD_AUTHID, "sgAuthId", V_LOGIN, E_ADD, 1, 1, 0 },
	{ O_RM_AUTHID, "sgAuthId", V_LOGIN, E_REMOVE, 1, 1, 0 },
	{ O_ADD_NETWORK, "sgAllowedNetwork", V_TEXT, E_ADD, 1, 1, 1 },
	{ O_RM_NETWORK, "sgAllowedNetwork", V_TEXT, E_REMOVE, 1, 1, 1 },
	{ O_ADD_BCC, "sgBccAddress", V_ADDR, E_ADD, 1, 1, 0 },
	{ O_RM_BCC, "sgBccAddress", V_ADDR, E_REMOVE, 1, 1, 0 },
	{ O_NOTIFY, "sgNotifyAddress", V_ADDR, E_SET, 1, 1, 1 },
	{ O_ADD_NOTIFY, "sgNotifyAddress", V_ADDR, E_ADD, 1, 1, 1 },
	{ O_RM_NOTIFY, "sgNotifyAddress", V_ADDR, E_REMOVE, 1, 1, 1 },
	{ O_DKIM, "sgDkimSelector", V_WORD, E_SET, 1, 0, 1 },
	{ O_ADD_DKIM, "sgDkimSelector", V_WORD, E_ADD, 1, 0, 1 },
	{ O_RM_DKIM, "sgDkimSelector", V_WORD, E_REMOVE, 1, 0, 1 },
	{ O_RATE, "sgSendRate", V_RATE, E_SET, 1, 1, 1 },
	{ O_ADD_RATE, "sgSendRate", V_RATE, E_ADD, 1, 1, 1 },
	{ O_RM_RATE, "sgSendRate", V_RATE, E_REMOVE, 1, 1, 1 },
	{ 0, NULL, V_TEXT, E_SET, 0, 0, 0 }
};

/* What a command does to the entry. */
enum what { W_ADD, W_UPDATE, W_STATUS, W_DELETE, W_PASSWD };

struct change {
	enum what	 what;
	int		 sender;	/* 1 sender, 0 domain */
	const char	*status;	/* W_STATUS: the new sgStatus */
	const char	*cmd;		/* for messages: "sender add", ... */
};

/* The facts around an entry, and what holds them. */
struct facts {
	struct ctl_facts	 f;
	struct ctl_rec		**doms;		/* domains of the primary */
	size_t			  ndoms;
	const char		**dups;
	struct ctl_owner	 *owners;
	struct ctl_rec		**hold;
	size_t			  nhold;
	struct ctl_rec		**senders;	/* a domain's senders */
	size_t			  nsenders;
};

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

/*
 * A value as stored: words lower case, addresses normalised, booleans
 * TRUE/FALSE; logins (sgAuthId) as given: an address or a plain user
 * name, which the validation phase checks with dv_login.
 */
static const char *
normalise(const struct emap *m, const char *v, char *buf, size_t len)
{
	struct sg_rate	 rate;
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
	case V_RATE:
		/* "60/1M", "60 / 60m": as the milter reads it, "60/1h" */
		if (rate_parse(v, &rate) == 0)
			return rate_str(&rate, buf, len);
		return v;		/* the validation phase reports it */
	default:
		return v;
	}
}

/*
 * Apply the edit options to r, in order. On add a plain option adds its
 * value; on update the first plain option of an attribute replaces all
 * its values. An empty value clears the attribute. 0, -1 out of memory,
 * or CTL_USAGE (an option that does not fit: said on stderr).
 */
static int
apply_edits(const struct ctl_args *a, const struct change *c,
    struct ctl_rec *r, struct ctl_problems *p)
{
	const struct emap	*m;
	const char		*v;
	char			 buf[SG_ADDR_MAX + 1024], seen[64];
	size_t			 i;
	int			 adding = c->what == W_ADD;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < a->nedits; i++) {
		for (m = emaps; m->opt != 0; m++)
			if (m->opt == a->edits[i].opt)
				break;
		if (m->opt == 0 || (c->sender ? !m->sender : !m->domain))
			return ctl_usage_error(c->cmd, "%s is not an option "
			    "for a %s", ctl_opt_name(a->edits[i].opt),
			    c->sender ? "sender" : "domain");
		if (adding && m->op != E_SET)
			return ctl_usage_error(c->cmd, "%s is for update; add "
			    "takes the plain option", ctl_opt_name(m->opt));
		/* --skip-dns-check --reason: the skip's, not a status's */
		if (m->opt == O_REASON && !c->sender && a->skip_dns &&
		    ctl_edit_value(a, O_STATUS) == NULL)
			continue;
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
			if (m->kind == V_LOGIN && dv_login(v) == -1)
				ctl_problem(p, "%s \"%s\": not a valid login",
				    ctl_opt_name(m->opt), v);
			else if (ctl_rec_remove(r, m->attr, v) == 0)
				ctl_problem(p, "%s %s: %s has no such value",
				    ctl_opt_name(m->opt), v, m->attr);
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

/* Sender facts: its domain, other domains of its primary, login holders. */
static int
sender_facts(struct ctl_ctx *x, const struct ctl_rec *r, const char *dom,
    struct facts *s)
{
	size_t	 i;

	if (ctl_find_domain_by_primary(x, dom, &s->doms, &s->ndoms) == -1)
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
	if (ctl_find_owners(x, r, &s->owners, &s->f.nowners, &s->hold,
	    &s->nhold) == -1)
		return -1;
	s->f.owners = s->owners;
	return 0;
}

/* Domain facts: other domains claiming its primary domain, its senders. */
static int
domain_facts(struct ctl_ctx *x, const struct ctl_rec *r, int adding,
    struct facts *s)
{
	const char	*primary = ctl_rec_first(r, "sgPrimaryDomain");
	size_t		 i;

	if (primary != NULL) {
		if (ctl_find_domain_by_primary(x, primary, &s->doms,
		    &s->ndoms) == -1)
			return -1;
		if (s->ndoms > 0 &&
		    (s->dups = calloc(s->ndoms, sizeof(char *))) != NULL)
			for (i = 0; i < s->ndoms; i++)
				if (r->dn == NULL ||
				    strcasecmp(s->doms[i]->dn, r->dn) != 0)
					s->dups[s->f.ndup++] = s->doms[i]->dn;
		s->f.dup_domains = s->dups;
	}
	if (!adding && ctl_domain_senders(x, r->dn, &s->senders,
	    &s->nsenders) == -1)
		return -1;
	s->f.senders = (const struct ctl_rec *const *)s->senders;
	s->f.nsenders = s->nsenders;
	return 0;
}

/* Free the facts. */
static void
facts_free(struct facts *s)
{
	ctl_recs_free(s->doms, s->ndoms);
	free(s->dups);
	free(s->owners);
	ctl_recs_free(s->hold, s->nhold);
	ctl_recs_free(s->senders, s->nsenders);
}

/* A new entry for the operand (its DN for a sender: once the domain is known). */
static struct ctl_rec *
new_entry(struct ctl_ctx *x, const struct change *c, const char *name)
{
	struct ctl_rec	*r;
	char		 esc[1024], dn[4096];

	if (c->sender) {
		if ((r = ctl_rec_new(NULL)) == NULL ||
		    ctl_rec_set(r, "objectClass", "sgSender") == -1 ||
		    ctl_rec_set(r, "mail", name) == -1) {
			ctl_rec_free(r);
			return NULL;
		}
		return r;
	}
	dn_escape(name, esc, sizeof(esc));
	snprintf(dn, sizeof(dn), "sgDomainName=%s,%s", esc, x->conf->ldap_base);
	if ((r = ctl_rec_new(dn)) == NULL ||
	    ctl_rec_set(r, "objectClass", "sgDomain") == -1 ||
	    ctl_rec_set(r, "sgDomainName", name) == -1) {
		ctl_rec_free(r);
		return NULL;
	}
	return r;
}

/* The new sender's DN under its domain; 0, or -1 out of memory. */
static int
sender_dn(struct ctl_rec *r, const char *mail, const struct ctl_rec *dom)
{
	char	 esc[3 * SG_ADDR_MAX], dn[4096];

	if (dom == NULL || r->dn != NULL)
		return 0;
	dn_escape(mail, esc, sizeof(esc));
	snprintf(dn, sizeof(dn), "mail=%s,%s", esc, dom->dn);
	return (r->dn = strdup(dn)) == NULL ? -1 : 0;
}

/* A new password, read or generated, hashed into r. 0, or CTL_*. */
static int
set_password(const struct ctl_args *a, struct ctl_rec *r, char *pw,
    size_t pwlen)
{
	char	 hash[256];

	if ((a->generate ? ctl_genpw(pw, GENPW_LEN + 1) :
	    ctl_readpw(pw, pwlen)) == -1) {
		fprintf(stderr, "sendergatectl: no password %s\n",
		    a->generate ? "generated (no randomness)" : "read");
		return a->generate ? CTL_BACKEND : CTL_USAGE;
	}
	if (ctl_hash_password(pw, hash, sizeof(hash)) == -1) {
		fprintf(stderr, "sendergatectl: cannot hash the password\n");
		return CTL_BACKEND;
	}
	log_debug("passwd: hashed with %.*s", (int)strcspn(hash + 1, "$") + 1,
	    hash);
	if (ctl_rec_set(r, "userPassword", hash) == -1)
		return -1;
	return 0;
}

/* Write the change (or print its LDIF); 0 or -1 (reported). */
static int
apply(struct ctl_ctx *x, const struct change *c, const struct ctl_rec *old,
    const struct ctl_rec *r)
{
	static const char *const pw_attrs[] = { "userPassword", NULL };

	switch (c->what) {
	case W_ADD:
		return ctl_apply_add(x, r);
	case W_DELETE:
		return ctl_apply_delete(x, old->dn);
	case W_PASSWD:
		return ctl_apply_modify(x, old, r, pw_attrs);
	default:
		return ctl_apply_modify(x, old, r, c->sender ?
		    ctl_sender_attrs : ctl_domain_attrs);
	}
}

/*
 * The one path of every change: operand, entry as it is, entry as it
 * shall be, facts, validation, then the write. Returns the exit code.
 */
static int
change(struct ctl_ctx *x, const struct ctl_args *a, const struct change *c,
    const char *operand)
{
	struct ctl_problems	 p = { NULL, 0 };
	struct ctl_rec		*old = NULL, *r = NULL;
	struct facts		 s;
	char			 name[SG_ADDR_MAX + 1], pw[1024];
	const char		*dom;
	int			 rc, ret = CTL_BACKEND;

	memset(&s, 0, sizeof(s));
	s.f.conf = x->conf;
	pw[0] = '\0';

	/* the operand: a sender's address is normalised */
	if (c->sender) {
		if (strpbrk(operand, " \t") != NULL ||
		    addr_parse_envelope(operand, name, sizeof(name), &dom) !=
		    ADDR_OK) {
			ctl_problem(&p, "sender <%s>: not a valid address",
			    operand);
			ret = report(&p);
			goto out;
		}
	} else if (snprintf(name, sizeof(name), "%s", operand) >=
	    (int)sizeof(name)) {
		ctl_problem(&p, "domain %.40s...: name too long", operand);
		ret = report(&p);
		goto out;
	}

	/* the entry as it is */
	rc = c->sender ? ctl_find_sender(x, name, &old) :
	    ctl_find_domain(x, name, &old);
	if (rc == -1)
		goto out;
	log_debug("%s %s: %s", c->cmd, name, rc == 1 ? old->dn : "no entry");
	if (c->what == W_ADD && rc == 1)
		ctl_problem(&p, "%s %s%s%s: already exists (%s)", c->sender ?
		    "sender" : "domain", c->sender ? "<" : "", name,
		    c->sender ? ">" : "", old->dn);
	if (c->what != W_ADD && rc == 0) {
		fprintf(stderr, "sendergatectl: no %s %s%s%s\n", c->sender ?
		    "sender" : "domain", c->sender ? "<" : "", name,
		    c->sender ? ">" : "");
		ret = CTL_NOTFOUND;
		goto out;
	}

	/* the entry as it shall be */
	switch (c->what) {
	case W_ADD:
		r = new_entry(x, c, name);
		break;
	case W_DELETE:
		break;
	default:
		r = ctl_rec_dup(old);
		break;
	}
	if (c->what != W_DELETE && r == NULL)
		goto oom;
	switch (c->what) {
	case W_ADD:
	case W_UPDATE:
		if ((rc = apply_edits(a, c, r, &p)) == -1)
			goto oom;
		if (rc != 0) {
			ret = rc;
			goto out;
		}
		/* a new reply-to address is not verified */
		if (c->what == W_UPDATE && !ctl_rec_same(old, r, "sgReplyTo"))
			ctl_rec_clear(r, "sgReplyToVerified");
		if (c->what == W_ADD && c->sender && a->generate &&
		    (rc = set_password(a, r, pw, sizeof(pw))) != 0) {
			if (rc == -1)
				goto oom;
			ret = rc;
			goto out;
		}
		break;
	case W_STATUS:
		if (ctl_rec_set(r, "sgStatus", c->status) == -1 ||
		    ctl_rec_set(r, "sgStatusReason",
		    ctl_edit_value(a, O_REASON)) == -1)
			goto oom;
		break;
	case W_PASSWD:
		if ((rc = set_password(a, r, pw, sizeof(pw))) == -1)
			goto oom;
		if (rc != 0) {
			ret = rc;
			goto out;
		}
		break;
	case W_DELETE:
		break;
	}

	/* the facts, and the validation phase */
	if (c->sender && c->what != W_DELETE && c->what != W_PASSWD) {
		if (sender_facts(x, r, addr_domain(name), &s) == -1)
			goto out;
		if (c->what == W_ADD && sender_dn(r, name, s.f.domain) == -1)
			goto oom;
		s.f.complete = c->what != W_STATUS;
		ctl_validate_sender(r, &s.f, &p);
	} else if (!c->sender && c->what == W_DELETE) {
		if (domain_facts(x, old, 0, &s) == -1)
			goto out;
		ctl_validate_domain_delete(old, &s.f, &p);
	} else if (!c->sender && c->what != W_PASSWD) {
		if (domain_facts(x, r, c->what == W_ADD, &s) == -1)
			goto out;
		ctl_validate_domain(r, &s.f, &p);
		/* the ownership of a new primary domain, in DNS */
		if ((c->what == W_ADD || c->what == W_UPDATE) &&
		    (rc = ctl_domain_verify(x, a, old, r, &p)) != CTL_OK) {
			ret = rc;
			goto out;
		}
	}
	log_debug("%s %s: %zu problem%s", c->cmd, name, p.n,
	    p.n == 1 ? "" : "s");
	if (p.n > 0) {
		ret = report(&p);
		goto out;
	}

	/* the execution phase */
	if (apply(x, c, old, r) == -1)
		goto out;
	if (c->what == W_ADD && c->sender && !a->generate &&
	    ctl_sender_uses_user_auth(r))
		fprintf(stderr, "sendergatectl: warning: <%s> authenticates "
		    "with user but has no password: it cannot send over SMTP "
		    "AUTH until 'sendergatectl passwd %s' sets one (or add "
		    "it with --generate-password)\n", name, name);
	ret = CTL_OK;
	if (x->dry_run)
		;
	else if (c->what == W_PASSWD && !a->generate)
		printf("password set for <%s>\n", name);
	else if (c->what == W_PASSWD || (c->what == W_ADD && c->sender)) {
		/* the onboarding sheet: the only place a password shows */
		if (!a->json)
			printf("%s %s\n", c->what == W_ADD ? "added" :
			    "password set for", c->what == W_ADD ? r->dn :
			    name);
		ret = ctl_sheet_print(x, name, a->generate ? pw : NULL,
		    a->json);
	} else
		printf("%s %s\n", c->what == W_ADD ? "added" :
		    c->what == W_DELETE ? "deleted" : "updated",
		    c->what == W_DELETE ? old->dn : r->dn);
	goto out;
oom:
	fprintf(stderr, "sendergatectl: out of memory\n");
	ret = CTL_BACKEND;
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	facts_free(&s);
	ctl_problems_free(&p);
	ctl_rec_free(r);
	ctl_rec_free(old);
	return ret;
}

/* sender add ADDRESS [options] */
int
ctl_cmd_sender_add(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	static const struct change c = { W_ADD, 1, NULL, "sender add" };

	(void)n;
	return change(x, a, &c, v[0]);
}

/* sender update ADDRESS [options] */
int
ctl_cmd_sender_update(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	static const struct change c = { W_UPDATE, 1, NULL, "sender update" };

	(void)n;
	if (a->nedits == 0)
		return ctl_usage_error(c.cmd, "nothing to change");
	return change(x, a, &c, v[0]);
}

/* sender delete ADDRESS --yes */
int
ctl_cmd_sender_delete(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	static const struct change c = { W_DELETE, 1, NULL, "sender delete" };

	(void)n;
	if (!a->yes && !a->dry_run) {
		fprintf(stderr, "sendergatectl: deleting sender %s is "
		    "irreversible: repeat the command with --yes\n", v[0]);
		return CTL_USAGE;
	}
	return change(x, a, &c, v[0]);
}

/* domain add NAME [options] */
int
ctl_cmd_domain_add(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	static const struct change c = { W_ADD, 0, NULL, "domain add" };

	(void)n;
	return change(x, a, &c, v[0]);
}

/* domain update NAME [options] */
int
ctl_cmd_domain_update(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	static const struct change c = { W_UPDATE, 0, NULL, "domain update" };

	(void)n;
	if (a->nedits == 0)
		return ctl_usage_error(c.cmd, "nothing to change");
	return change(x, a, &c, v[0]);
}

/* domain delete NAME --yes */
int
ctl_cmd_domain_delete(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	static const struct change c = { W_DELETE, 0, NULL, "domain delete" };

	(void)n;
	if (!a->yes && !a->dry_run) {
		fprintf(stderr, "sendergatectl: deleting domain %s is "
		    "irreversible: repeat the command with --yes\n", v[0]);
		return CTL_USAGE;
	}
	return change(x, a, &c, v[0]);
}

/* suspend / disable / activate SENDER|DOMAIN: a sender has an '@'. */
static int
set_status(struct ctl_ctx *x, const struct ctl_args *a, const char *cmd,
    const char *status, const char *operand)
{
	struct change	 c;
	const char	*reason = ctl_edit_value(a, O_REASON);

	if (strcmp(status, "active") != 0 && (reason == NULL ||
	    *reason == '\0'))
		return ctl_usage_error(cmd, "--reason TEXT is needed");
	c.what = W_STATUS;
	c.sender = strchr(operand, '@') != NULL;
	c.status = status;
	c.cmd = cmd;
	return change(x, a, &c, operand);
}

/* suspend SENDER|DOMAIN --reason TEXT */
int
ctl_cmd_suspend(struct ctl_ctx *x, const struct ctl_args *a, char **v, int n)
{
	(void)n;
	return set_status(x, a, "suspend", "suspended", v[0]);
}

/* disable SENDER|DOMAIN --reason TEXT */
int
ctl_cmd_disable(struct ctl_ctx *x, const struct ctl_args *a, char **v, int n)
{
	(void)n;
	return set_status(x, a, "disable", "disabled", v[0]);
}

/* activate SENDER|DOMAIN [--reason TEXT] */
int
ctl_cmd_activate(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	(void)n;
	return set_status(x, a, "activate", "active", v[0]);
}

/* passwd SENDER [--generate] */
int
ctl_cmd_passwd(struct ctl_ctx *x, const struct ctl_args *a, char **v, int n)
{
	static const struct change c = { W_PASSWD, 1, NULL, "passwd" };

	(void)n;
	return change(x, a, &c, v[0]);
}
