/*
 * ctl_ldap.c - sendergatectl and the directory: reading entries into
 * records, gathering the facts the validation phase needs, and the
 * execution phase (LDAP add, modify, delete - or their LDIF with
 * --dry-run).
 *
 * Connections are made by the directory module (dir_ldap_connect: the
 * same URIs, TLS and timeouts as the daemon), bound with the admin
 * credentials when given. Every failure is reported on stderr and
 * returned as -1; "no such entry" is 0, never a failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "lib/addr.h"
#include "ctl/ctl.h"
#include "dir/dir_ldap.h"
#include "lib/paths.h"

const char *const ctl_sender_attrs[] = {
	"objectClass", "mail", "cn", "description", "sgAccessMethod",
	"sgAuthMethod", "sgAuthId", "sgAllowedNetwork", "sgBccAddress",
	"sgArchive", "sgMonthlyLimit", "sgStatus", "sgStatusReason",
	"sgReplyTo", "sgReplyToVerified", "sgNotifyAddress", "sgSendRate", NULL
};
const char *const ctl_domain_attrs[] = {
	"objectClass", "sgDomainName", "sgPrimaryDomain", "description",
	"sgStatus", "sgStatusReason", "sgMonthlyLimit", "sgAllowedNetwork",
	"sgArchiveAddress", "sgNotifyAddress", "sgDkimSelector", "sgSendRate",
	"sgPrimaryDomainVerified", "sgPrimaryDomainVerifiedAt",
	"sgDnsCheckSkipReason", "sgDmarcFound", "sgDnsCheckedAt",
	"sgDnsCheckResult", NULL
};

/* What a search asks for: the union of both lists. */
#define A(s)	((char[]){ s })
static char *read_attrs[] = {
	A("objectClass"), A("mail"), A("cn"), A("description"),
	A("sgAccessMethod"), A("sgAuthMethod"), A("sgAuthId"),
	A("sgAllowedNetwork"), A("sgBccAddress"), A("sgArchive"),
	A("sgMonthlyLimit"), A("sgStatus"), A("sgStatusReason"),
	A("sgReplyTo"), A("sgDomainName"), A("sgPrimaryDomain"),
	A("sgArchiveAddress"), A("sgReplyToVerified"), A("sgNotifyAddress"),
	A("sgDkimSelector"), A("sgSendRate"), A("sgPrimaryDomainVerified"),
	A("sgPrimaryDomainVerifiedAt"), A("sgDnsCheckSkipReason"),
	A("sgDmarcFound"), A("sgDnsCheckedAt"), A("sgDnsCheckResult"),
	NULL
};
#undef A

/* Report an LDAP failure with the server's diagnostic, if any. */
static void
ld_report(LDAP *ld, const char *what, const char *dn, int rc)
{
	char	*diag = NULL;

	if (ld != NULL)
		ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	fprintf(stderr, "sendergatectl: ldap %s %s: %s%s%s\n", what, dn,
	    ldap_err2string(rc), diag && *diag ? ": " : "", diag ? diag : "");
	ldap_memfree(diag);
}

/*
 * After "No such object" on an add: say whether ldap_base itself is
 * missing (a fresh directory), and how it is made.
 */
static void
base_missing(struct ctl_ctx *x)
{
	LDAPMessage	*res = NULL;
	struct timeval	 tv;
	int		 rc;

	tv.tv_sec = x->conf->ldap_timeout / 1000 + 5;
	tv.tv_usec = 0;
	rc = ldap_search_ext_s(x->ld, x->conf->ldap_base, LDAP_SCOPE_BASE,
	    "(objectClass=*)", NULL, 1, NULL, NULL, &tv, 1, &res);
	ldap_msgfree(res);
	if (rc == LDAP_NO_SUCH_OBJECT)
		fprintf(stderr, "sendergatectl: ldap_base %s does not exist: "
		    "create it first (%s/ldap-schema/sendergate-base.ldif, "
		    "see the README.md beside it)\n", x->conf->ldap_base,
		    SG_DATA_PATH);
}

/* Connect and bind. */
int
ctl_ldap_open(struct ctl_ctx *x)
{
	if (x->ld != NULL)
		return 0;
	if ((x->ld = dir_ldap_connect(&x->wconf)) == NULL) {
		fprintf(stderr, "sendergatectl: cannot connect to the "
		    "directory (%s) as \"%s\"\n", x->wconf.ldap_uri[0],
		    x->wconf.ldap_bind_dn);
		return -1;
	}
	return 0;
}

/* Unbind. */
void
ctl_ldap_close(struct ctl_ctx *x)
{
	if (x->ld != NULL)
		ldap_unbind_ext_s(x->ld, NULL, NULL);
	x->ld = NULL;
}

/* An entry as a record; NULL when out of memory. */
static struct ctl_rec *
entry_rec(LDAP *ld, LDAPMessage *m)
{
	struct ctl_rec	 *r;
	struct berval	**v;
	char		 *dn, *s;
	size_t		  i, j;
	int		  bad = 0;

	if ((dn = ldap_get_dn(ld, m)) == NULL)
		return NULL;
	r = ctl_rec_new(dn);
	ldap_memfree(dn);
	if (r == NULL)
		return NULL;
	for (i = 0; read_attrs[i] != NULL && !bad; i++) {
		if ((v = ldap_get_values_len(ld, m, read_attrs[i])) == NULL)
			continue;
		for (j = 0; v[j] != NULL && !bad; j++) {
			if ((s = strndup(v[j]->bv_val, v[j]->bv_len)) == NULL ||
			    ctl_rec_add(r, read_attrs[i], s) == -1)
				bad = 1;
			free(s);
		}
		ldap_value_free_len(v);
	}
	if (bad) {
		ctl_rec_free(r);
		return NULL;
	}
	return r;
}

/* Free a list of records. */
void
ctl_recs_free(struct ctl_rec **r, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		ctl_rec_free(r[i]);
	free(r);
}

/* Search; every entry becomes a record. 0 (maybe none) or -1. */
int
ctl_search(struct ctl_ctx *x, const char *base, int scope,
    const char *filter, struct ctl_rec ***out, size_t *n)
{
	LDAPMessage	 *res = NULL, *m;
	struct ctl_rec	**v = NULL, **nv, *r;
	struct timeval	  tv;
	int		  rc;

	*out = NULL;
	*n = 0;
	if (ctl_ldap_open(x) == -1)
		return -1;
	tv.tv_sec = x->conf->ldap_timeout / 1000 + 5;
	tv.tv_usec = 0;
	rc = ldap_search_ext_s(x->ld, base, scope, filter, read_attrs, 0,
	    NULL, NULL, &tv, 0, &res);
	if (rc == LDAP_NO_SUCH_OBJECT) {
		ldap_msgfree(res);
		return 0;
	}
	if (rc != LDAP_SUCCESS) {
		ld_report(x->ld, "search", filter, rc);
		ldap_msgfree(res);
		return -1;
	}
	for (m = ldap_first_entry(x->ld, res); m != NULL;
	    m = ldap_next_entry(x->ld, m)) {
		if ((r = entry_rec(x->ld, m)) == NULL ||
		    (nv = reallocarray(v, *n + 1, sizeof(*v))) == NULL) {
			ctl_rec_free(r);
			ctl_recs_free(v, *n);
			*n = 0;
			ldap_msgfree(res);
			fprintf(stderr, "sendergatectl: out of memory\n");
			return -1;
		}
		v = nv;
		v[(*n)++] = r;
	}
	ldap_msgfree(res);
	*out = v;
	return 0;
}

/* Escape a value for a filter; -1 (reported) if too long. */
static int
escape(const char *in, char *out, size_t len)
{
	if (ldap_filter_escape(in, out, len) == -1) {
		fprintf(stderr, "sendergatectl: value too long: %.40s...\n",
		    in);
		return -1;
	}
	return 0;
}

/* A domain by sgDomainName, else by sgPrimaryDomain. */
int
ctl_find_domain(struct ctl_ctx *x, const char *name, struct ctl_rec **out)
{
	char		  e[3 * 1024 + 1], filter[sizeof(e) * 2 + 96];
	struct ctl_rec	**v;
	size_t		  n, i, pick = 0;

	*out = NULL;
	if (escape(name, e, sizeof(e)) == -1)
		return -1;
	snprintf(filter, sizeof(filter), "(&(objectClass=sgDomain)"
	    "(|(sgDomainName=%s)(sgPrimaryDomain=%s)))", e, e);
	if (ctl_search(x, x->conf->ldap_base, LDAP_SCOPE_SUBTREE, filter, &v,
	    &n) == -1)
		return -1;
	if (n == 0) {
		free(v);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (ctl_rec_first(v[i], "sgDomainName") != NULL &&
		    strcasecmp(ctl_rec_first(v[i], "sgDomainName"), name) ==
		    0)
			pick = i;
	*out = v[pick];
	v[pick] = NULL;
	ctl_recs_free(v, n);
	return 1;
}

/* Every domain claiming a primary domain. */
int
ctl_find_domain_by_primary(struct ctl_ctx *x, const char *primary,
    struct ctl_rec ***out, size_t *n)
{
	char	 e[3 * 1024 + 1], filter[sizeof(e) + 64];

	if (escape(primary, e, sizeof(e)) == -1)
		return -1;
	snprintf(filter, sizeof(filter), "(&(objectClass=sgDomain)"
	    "(sgPrimaryDomain=%s))", e);
	return ctl_search(x, x->conf->ldap_base, LDAP_SCOPE_SUBTREE, filter,
	    out, n);
}

/* A sender by address; one under a domain of its primary preferred. */
int
ctl_find_sender(struct ctl_ctx *x, const char *mail, struct ctl_rec **out)
{
	char		  e[3 * SG_ADDR_MAX + 1], filter[sizeof(e) + 64];
	struct ctl_rec	**v, **d;
	const char	 *dom = addr_domain(mail);
	size_t		  n, nd, i, j, pick = 0;

	*out = NULL;
	if (escape(mail, e, sizeof(e)) == -1)
		return -1;
	snprintf(filter, sizeof(filter), "(&(objectClass=sgSender)(mail=%s))",
	    e);
	if (ctl_search(x, x->conf->ldap_base, LDAP_SCOPE_SUBTREE, filter, &v,
	    &n) == -1)
		return -1;
	if (n == 0) {
		free(v);
		return 0;
	}
	if (n > 1 && dom != NULL &&
	    ctl_find_domain_by_primary(x, dom, &d, &nd) == 0) {
		for (i = 0; i < n; i++)
			for (j = 0; j < nd; j++)
				if (strcasecmp(ctl_parent_dn(v[i]->dn),
				    d[j]->dn) == 0)
					pick = i;
		ctl_recs_free(d, nd);
	}
	*out = v[pick];
	v[pick] = NULL;
	ctl_recs_free(v, n);
	return 1;
}

/* Holders of rec's sgAuthId values other than rec itself. */
int
ctl_find_owners(struct ctl_ctx *x, const struct ctl_rec *rec,
    struct ctl_owner **out, size_t *n, struct ctl_rec ***hold,
    size_t *nhold)
{
	const struct ctl_attr	 *a = ctl_rec_get(rec, "sgAuthId");
	char			  e[3 * 1024 + 1], filter[sizeof(e) + 64];
	struct ctl_rec		**v, **nh;
	struct ctl_owner	 *no;
	size_t			  nv, i, j;

	*out = NULL;
	*n = 0;
	*hold = NULL;
	*nhold = 0;
	for (i = 0; a != NULL && i < a->n; i++) {
		if (escape(a->v[i], e, sizeof(e)) == -1)
			return -1;
		snprintf(filter, sizeof(filter), "(&(objectClass=sgSender)"
		    "(sgAuthId=%s))", e);
		if (ctl_search(x, x->conf->ldap_base, LDAP_SCOPE_SUBTREE,
		    filter, &v, &nv) == -1)
			return -1;
		for (j = 0; j < nv; j++) {
			if (rec->dn != NULL &&
			    strcasecmp(v[j]->dn, rec->dn) == 0) {
				ctl_rec_free(v[j]);
				continue;
			}
			nh = reallocarray(*hold, *nhold + 1, sizeof(*nh));
			no = reallocarray(*out, *n + 1, sizeof(*no));
			if (nh != NULL)
				*hold = nh;
			if (no != NULL)
				*out = no;
			if (nh == NULL || no == NULL) {
				ctl_rec_free(v[j]);
				continue;	/* out of memory: fewer facts */
			}
			(*hold)[(*nhold)++] = v[j];
			(*out)[*n].authid = a->v[i];
			(*out)[*n].dn = v[j]->dn;
			(*out)[*n].domain_dn = ctl_parent_dn(v[j]->dn);
			(*n)++;
		}
		free(v);
	}
	return 0;
}

/* 1 if an LDIF value must be base64 (RFC 2849 SAFE-STRING). */
static int
needs_b64(const char *s)
{
	size_t	 n = strlen(s);

	if (n == 0)
		return 0;
	if (s[0] == ' ' || s[0] == ':' || s[0] == '<' || s[n - 1] == ' ')
		return 1;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 1;
	return 0;
}

/* One "attr: value" line. */
static void
ldif_line(FILE *fp, const char *attr, const char *v)
{
	unsigned char	*b;
	size_t		 n = strlen(v);

	if (!needs_b64(v)) {
		fprintf(fp, "%s: %s\n", attr, v);
		return;
	}
	if ((b = malloc(4 * ((n + 2) / 3) + 1)) == NULL)
		return;
	EVP_EncodeBlock(b, (const unsigned char *)v, (int)n);
	fprintf(fp, "%s:: %s\n", attr, b);
	free(b);
}

/* A record as LDIF attribute lines (skip: an attribute left out). */
void
ctl_print_ldif(FILE *fp, const struct ctl_rec *r, const char *skip)
{
	size_t	 i, j;

	ldif_line(fp, "dn", r->dn);
	for (i = 0; i < r->n; i++) {
		if (skip != NULL && strcasecmp(r->a[i].name, skip) == 0)
			continue;
		for (j = 0; j < r->a[i].n; j++)
			ldif_line(fp, r->a[i].name, r->a[i].v[j]);
	}
}

/* The values of an attribute as a berval array (NULL-terminated). */
static struct berval **
bervals(const struct ctl_attr *a)
{
	struct berval	**bv;
	size_t		  i;

	if ((bv = calloc(a->n + 1, sizeof(*bv) + sizeof(**bv))) == NULL)
		return NULL;
	for (i = 0; i < a->n; i++) {
		bv[i] = (struct berval *)(bv + a->n + 1) + i;
		bv[i]->bv_val = a->v[i];
		bv[i]->bv_len = strlen(a->v[i]);
	}
	return bv;
}

/* Free an LDAPMod array made below. */
static void
mods_free(LDAPMod **mods)
{
	size_t	 i;

	for (i = 0; mods != NULL && mods[i] != NULL; i++) {
		free(mods[i]->mod_bvalues);
		free(mods[i]);
	}
	free(mods);
}

/* Append one modification; -1 when out of memory. */
static int
mods_add(LDAPMod ***mods, size_t *n, int op, const struct ctl_attr *a)
{
	LDAPMod	**nm, *m;

	if ((nm = reallocarray(*mods, *n + 2, sizeof(*nm))) == NULL)
		return -1;
	*mods = nm;
	nm[*n] = nm[*n + 1] = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	m->mod_op = op | LDAP_MOD_BVALUES;
	m->mod_type = a->name;
	if (a->n > 0 && (m->mod_bvalues = bervals(a)) == NULL) {
		free(m);
		return -1;
	}
	nm[(*n)++] = m;
	return 0;
}

/* Add an entry. */
int
ctl_apply_add(struct ctl_ctx *x, const struct ctl_rec *r)
{
	LDAPMod	**mods = NULL;
	size_t	  i, n = 0;
	int	  rc;

	if (x->dry_run) {
		fprintf(x->out, "# dry run: nothing written\n");
		ldif_line(x->out, "dn", r->dn);
		fprintf(x->out, "changetype: add\n");
		for (i = 0; i < r->n; i++) {
			size_t j;
			for (j = 0; j < r->a[i].n; j++)
				ldif_line(x->out, r->a[i].name, r->a[i].v[j]);
		}
		fprintf(x->out, "\n");
		return 0;
	}
	for (i = 0; i < r->n; i++)
		if (r->a[i].n > 0 && mods_add(&mods, &n, LDAP_MOD_ADD,
		    &r->a[i]) == -1) {
			mods_free(mods);
			fprintf(stderr, "sendergatectl: out of memory\n");
			return -1;
		}
	if (ctl_ldap_open(x) == -1) {
		mods_free(mods);
		return -1;
	}
	rc = ldap_add_ext_s(x->ld, r->dn, mods, NULL, NULL);
	mods_free(mods);
	if (rc != LDAP_SUCCESS) {
		ld_report(x->ld, "add", r->dn, rc);
		if (rc == LDAP_NO_SUCH_OBJECT)
			base_missing(x);
		return -1;
	}
	return 0;
}

/* Modify old into new, attribute by attribute of attrs. */
int
ctl_apply_modify(struct ctl_ctx *x, const struct ctl_rec *old,
    const struct ctl_rec *new, const char *const *attrs)
{
	static const struct ctl_attr none = { NULL, NULL, 0 };
	const struct ctl_attr	*a;
	struct ctl_attr		 del;
	LDAPMod			**mods = NULL;
	size_t			  i, j, n = 0;
	int			  rc, op;

	for (i = 0; attrs[i] != NULL; i++) {
		if (ctl_rec_same(old, new, attrs[i]))
			continue;
		a = ctl_rec_get(new, attrs[i]);
		if (a == NULL)
			a = &none;
		op = a->n == 0 ? LDAP_MOD_DELETE : LDAP_MOD_REPLACE;
		if (op == LDAP_MOD_DELETE) {
			del.name = (char *)(uintptr_t)attrs[i];
			del.v = NULL;
			del.n = 0;
			a = &del;
		}
		if (x->dry_run) {
			if (n++ == 0) {
				fprintf(x->out, "# dry run: nothing "
				    "written\n");
				ldif_line(x->out, "dn", new->dn);
				fprintf(x->out, "changetype: modify\n");
			}
			fprintf(x->out, "%s: %s\n", op == LDAP_MOD_DELETE ?
			    "delete" : "replace", attrs[i]);
			for (j = 0; j < a->n; j++)
				ldif_line(x->out, attrs[i], a->v[j]);
			fprintf(x->out, "-\n");
			continue;
		}
		if (mods_add(&mods, &n, op, a) == -1) {
			mods_free(mods);
			fprintf(stderr, "sendergatectl: out of memory\n");
			return -1;
		}
		if (op == LDAP_MOD_DELETE)
			mods[n - 1]->mod_type = (char *)(uintptr_t)attrs[i];
	}
	if (n == 0) {
		fprintf(x->out, "%s: nothing to change\n", new->dn);
		return 0;
	}
	if (x->dry_run) {
		fprintf(x->out, "\n");
		return 0;
	}
	if (ctl_ldap_open(x) == -1) {
		mods_free(mods);
		return -1;
	}
	rc = ldap_modify_ext_s(x->ld, new->dn, mods, NULL, NULL);
	mods_free(mods);
	if (rc != LDAP_SUCCESS) {
		ld_report(x->ld, "modify", new->dn, rc);
		return -1;
	}
	return 0;
}

/* Delete an entry. */
int
ctl_apply_delete(struct ctl_ctx *x, const char *dn)
{
	int	 rc;

	if (x->dry_run) {
		fprintf(x->out, "# dry run: nothing written\n");
		ldif_line(x->out, "dn", dn);
		fprintf(x->out, "changetype: delete\n\n");
		return 0;
	}
	if (ctl_ldap_open(x) == -1)
		return -1;
	if ((rc = ldap_delete_ext_s(x->ld, dn, NULL, NULL)) != LDAP_SUCCESS) {
		ld_report(x->ld, "delete", dn, rc);
		return -1;
	}
	return 0;
}

/* The senders directly under a domain. */
int
ctl_domain_senders(struct ctl_ctx *x, const char *dn, struct ctl_rec ***v,
    size_t *n)
{
	return ctl_search(x, dn, LDAP_SCOPE_ONELEVEL, "(objectClass=sgSender)",
	    v, n);
}
