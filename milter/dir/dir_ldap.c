/*
 * dir_ldap.c - LDAP connections and entry parsing for the directory.
 *
 * Values are checked as they are read: a malformed network, limit,
 * status or method word makes that one entry fail (the lookup answers
 * "failed", rule 3) rather than being read as something more permissive.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/addr.h"
#include "dir/dir_ldap.h"
#include "lib/log.h"
#include "lib/metrics.h"

#define VALUE_MAX	1024		/* octets in one attribute value */

/* (compound literals: libldap wants char *, string literals are const) */
#define A(s)	((char[]){ s })
char *dir_ldap_attrs[] = {
	A("objectClass"), A("sgPrimaryDomain"), A("sgDomainName"),
	A("sgStatus"), A("sgStatusReason"), A("sgMonthlyLimit"),
	A("sgAllowedNetwork"), A("sgArchiveAddress"), A("mail"),
	A("sgAccessMethod"), A("sgAuthMethod"), A("sgAuthId"),
	A("sgBccAddress"), A("sgArchive"), A("sgReplyTo"),
	A("sgReplyToVerified"), A("sgNotifyAddress"), A("sgDmarcFound"),
	A("sgSendRate"), NULL
};
#undef A

/* Set the options every handle gets; 0 or -1. */
static int
ld_options(LDAP *ld, const struct sg_conf *c, const char *uri)
{
	struct timeval	 tv;
	int		 v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND;
	int		 zero = 0, rc;

	tv.tv_sec = c->ldap_timeout / 1000;
	tv.tv_usec = (c->ldap_timeout % 1000) * 1000;
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) != 0 ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != 0 ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != 0 ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) != 0) {
		log_warnx("ldap %s: cannot set options", uri);
		return -1;
	}
	if (c->ldap_ca_file[0] != '\0' &&
	    ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE,
	    c->ldap_ca_file) != 0) {
		log_warnx("ldap %s: cannot use CA file %s", uri,
		    c->ldap_ca_file);
		return -1;
	}
	if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != 0 ||
	    (rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero)) != 0) {
		log_warnx("ldap %s: cannot set up TLS", uri);
		return -1;
	}
	return 0;
}

/*
 * Log a failed operation with the server's diagnostic, if any. libldap
 * tells a failed TLS handshake only as "can't contact": with TLS in use,
 * say where to look, so that a CA problem is not taken for a dead server.
 */
static void
ld_warn(LDAP *ld, const char *uri, int tls, const char *what, int rc)
{
	char		*diag = NULL;
	const char	*hint = "";

	metrics_ldap_error();
	if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) != 0 ||
	    (diag != NULL && strstr(diag, "unknown error") != NULL)) {
		ldap_memfree(diag);
		diag = NULL;
	}
	if (tls && (rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR))
		hint = " (TLS: server down, or its certificate not trusted "
		    "by ldap_ca_file?)";
	log_warnx("ldap %s: %s: %s%s%s%s%s", uri, what, ldap_err2string(rc),
	    diag != NULL && diag[0] != '\0' ? " (" : "",
	    diag != NULL ? diag : "",
	    diag != NULL && diag[0] != '\0' ? ")" : "", hint);
	ldap_memfree(diag);
}

/* Connect to one URI; NULL on failure (logged). */
static LDAP *
ld_connect_one(const struct sg_conf *c, const char *uri)
{
	LDAP		*ld = NULL;
	struct berval	 cred;
	char		 what[300];
	int		 rc, tls;

	if ((rc = ldap_initialize(&ld, uri)) != LDAP_SUCCESS) {
		log_warnx("ldap %s: %s", uri, ldap_err2string(rc));
		return NULL;
	}
	if (ld_options(ld, c, uri) == -1)
		goto fail;
	tls = strncasecmp(uri, "ldaps://", 8) == 0 || c->ldap_starttls;
	if (c->ldap_starttls && strncasecmp(uri, "ldap://", 7) == 0 &&
	    (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
		ld_warn(ld, uri, 1, "StartTLS", rc);
		goto fail;
	}
	if (c->ldap_bind_dn[0] != '\0') {
		cred.bv_val = c->ldap_bind_password;
		cred.bv_len = c->ldap_bind_password != NULL ?
		    strlen(c->ldap_bind_password) : 0;
		rc = ldap_sasl_bind_s(ld, c->ldap_bind_dn, LDAP_SASL_SIMPLE,
		    &cred, NULL, NULL, NULL);
	} else {
		/* anonymous: bind anyway so that a dead server shows now */
		cred.bv_val = NULL;
		cred.bv_len = 0;
		rc = ldap_sasl_bind_s(ld, "", LDAP_SASL_SIMPLE, &cred,
		    NULL, NULL, NULL);
	}
	if (rc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "bind as \"%s\"",
		    c->ldap_bind_dn);
		ld_warn(ld, uri, tls, what, rc);
		goto fail;
	}
	return ld;
fail:
	ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

/* Try each URI in turn. */
LDAP *
dir_ldap_connect(const struct sg_conf *c)
{
	LDAP	*ld;
	size_t	 i;

	for (i = 0; i < c->ldap_nuri; i++)
		if ((ld = ld_connect_one(c, c->ldap_uri[i])) != NULL)
			return ld;
	return NULL;
}

/* 1 if the entry has objectClass cls. */
static int
has_class(LDAP *ld, LDAPMessage *m, const char *cls)
{
	struct berval	**v;
	int		  i, found = 0;

	if ((v = ldap_get_values_len(ld, m, "objectClass")) == NULL)
		return 0;
	for (i = 0; v[i] != NULL && !found; i++)
		found = v[i]->bv_len == strlen(cls) &&
		    strncasecmp(v[i]->bv_val, cls, v[i]->bv_len) == 0;
	ldap_value_free_len(v);
	return found;
}

/* Entry classes. */
int
dir_ldap_is_domain(LDAP *ld, LDAPMessage *m)
{
	return has_class(ld, m, "sgDomain");
}

int
dir_ldap_is_sender(LDAP *ld, LDAPMessage *m)
{
	return has_class(ld, m, "sgSender");
}

/* A value as a C string: no NUL or control octets, bounded. */
static char *
value_str(const struct berval *bv, const char *attr, char *err,
    size_t errlen)
{
	char	*s;
	size_t	 i;

	if (bv->bv_len > VALUE_MAX) {
		snprintf(err, errlen, "%s: value longer than %d octets", attr,
		    VALUE_MAX);
		return NULL;
	}
	for (i = 0; i < bv->bv_len; i++) {
		if ((unsigned char)bv->bv_val[i] < 0x20 ||
		    bv->bv_val[i] == 0x7f) {
			snprintf(err, errlen, "%s: control character in value",
			    attr);
			return NULL;
		}
	}
	if ((s = strndup(bv->bv_val, bv->bv_len)) == NULL)
		snprintf(err, errlen, "out of memory");
	return s;
}

/*
 * Values of attr: the array (free with ldap_value_free_len) and count.
 * Absent: NULL and 0.
 */
static struct berval **
values(LDAP *ld, LDAPMessage *m, const char *attr, size_t *n)
{
	struct berval	**v;

	*n = 0;
	if ((v = ldap_get_values_len(ld, m, attr)) != NULL)
		*n = (size_t)ldap_count_values_len(v);
	return v;
}

/* A single optional string; 0 (absent leaves *out NULL) or -1. */
static int
get_str(LDAP *ld, LDAPMessage *m, const char *attr, char **out, char *err,
    size_t errlen)
{
	struct berval	**v;
	size_t		  n;

	*out = NULL;
	if ((v = values(ld, m, attr, &n)) == NULL)
		return 0;
	if (n > 0)
		*out = value_str(v[0], attr, err, errlen);
	ldap_value_free_len(v);
	return n > 0 && *out == NULL ? -1 : 0;
}

/* A single optional address, normalised. */
static int
get_addr(LDAP *ld, LDAPMessage *m, const char *attr, char **out, char *err,
    size_t errlen)
{
	char		 norm[SG_ADDR_MAX + 1];
	const char	*dom;

	if (get_str(ld, m, attr, out, err, errlen) == -1)
		return -1;
	if (*out == NULL)
		return 0;
	if (addr_parse_envelope(*out, norm, sizeof(norm), &dom) != ADDR_OK) {
		snprintf(err, errlen, "%s: bad address \"%s\"", attr, *out);
		return -1;
	}
	strcpy(*out, norm);	/* normalising never lengthens */
	return 0;
}

/* A multi-valued address list, normalised (lower case). */
static int
get_addrs(LDAP *ld, LDAPMessage *m, const char *attr, int login,
    char ***out, size_t *nout, char *err, size_t errlen)
{
	struct berval	**v;
	char		 *s, norm[SG_ADDR_MAX + 1];
	const char	 *dom;
	size_t		  n, i;
	int		  ret = 0;

	*out = NULL;
	*nout = 0;
	if ((v = values(ld, m, attr, &n)) == NULL || n == 0)
		goto done;
	if ((*out = calloc(n, sizeof(char *))) == NULL) {
		snprintf(err, errlen, "out of memory");
		ret = -1;
		goto done;
	}
	for (i = 0; i < n; i++) {
		if ((s = value_str(v[i], attr, err, errlen)) == NULL) {
			ret = -1;
			break;
		}
		if (login ? dv_login(s) == -1 : addr_parse_envelope(s, norm,
		    sizeof(norm), &dom) != ADDR_OK) {
			snprintf(err, errlen, "%s: bad %s \"%s\"", attr,
			    login ? "login" : "address", s);
			free(s);
			ret = -1;
			break;
		}
		if (!login)
			strcpy(s, norm);	/* normalising never lengthens */
		(*out)[(*nout)++] = s;
	}
done:
	if (v != NULL)
		ldap_value_free_len(v);
	return ret;
}

/* Multi-valued CIDR networks. */
static int
get_nets(LDAP *ld, LDAPMessage *m, struct sg_cidr **out, size_t *nout,
    char *err, size_t errlen)
{
	struct berval	**v;
	char		 *s;
	size_t		  n, i;
	int		  ret = 0;

	*out = NULL;
	*nout = 0;
	if ((v = values(ld, m, "sgAllowedNetwork", &n)) == NULL || n == 0)
		goto done;
	if ((*out = calloc(n, sizeof(**out))) == NULL) {
		snprintf(err, errlen, "out of memory");
		ret = -1;
		goto done;
	}
	for (i = 0; i < n && ret == 0; i++) {
		if ((s = value_str(v[i], "sgAllowedNetwork", err, errlen)) ==
		    NULL) {
			ret = -1;
			break;
		}
		if (cidr_parse(s, &(*out)[i]) == -1) {
			snprintf(err, errlen, "sgAllowedNetwork: bad network "
			    "\"%s\"", s);
			ret = -1;
		} else
			(*nout)++;
		free(s);
	}
done:
	if (v != NULL)
		ldap_value_free_len(v);
	return ret;
}

/* sgMonthlyLimit: absent = LIMIT_NONE, else dv_limit's. */
static int
get_limit(LDAP *ld, LDAPMessage *m, long *out, char *err, size_t errlen)
{
	char	*s;
	int	 ret = 0;

	*out = LIMIT_NONE;
	if (get_str(ld, m, "sgMonthlyLimit", &s, err, errlen) == -1)
		return -1;
	if (s != NULL && dv_limit(s, out) == -1) {
		snprintf(err, errlen, "sgMonthlyLimit: bad value \"%s\"", s);
		ret = -1;
	}
	free(s);
	return ret;
}

/* sgSendRate: up to SG_RATES_MAX rates N/T; a bad one fails the entry. */
static int
get_rates(LDAP *ld, LDAPMessage *m, struct sg_rate *out, size_t *nout,
    char *err, size_t errlen)
{
	struct berval	**v;
	char		 *s;
	size_t		  n, i;
	int		  ret = 0;

	*nout = 0;
	if ((v = values(ld, m, "sgSendRate", &n)) == NULL || n == 0)
		goto done;
	if (n > SG_RATES_MAX) {
		snprintf(err, errlen, "sgSendRate: more than %d values",
		    SG_RATES_MAX);
		ret = -1;
		goto done;
	}
	for (i = 0; i < n && ret == 0; i++) {
		if ((s = value_str(v[i], "sgSendRate", err, errlen)) == NULL) {
			ret = -1;
			break;
		}
		if (rate_parse(s, &out[*nout]) == -1) {
			snprintf(err, errlen, "sgSendRate: bad value \"%.64s\"",
			    s);
			ret = -1;
		} else
			(*nout)++;
		free(s);
	}
done:
	if (v != NULL)
		ldap_value_free_len(v);
	return ret;
}

/* sgStatus: absent = active, else dv_status's. */
static int
get_status(LDAP *ld, LDAPMessage *m, int *out, char *err, size_t errlen)
{
	char	*s;
	int	 ret = 0;

	*out = STATUS_ACTIVE;
	if (get_str(ld, m, "sgStatus", &s, err, errlen) == -1)
		return -1;
	if (s != NULL && dv_status(s, out) == -1) {
		snprintf(err, errlen, "sgStatus: unknown value \"%s\"", s);
		ret = -1;
	}
	free(s);
	return ret;
}

/* sgArchive: absent = FALSE, else dv_bool's. */
static int
get_bool(LDAP *ld, LDAPMessage *m, const char *attr, int *out, char *err,
    size_t errlen)
{
	char	*s;
	int	 ret = 0;

	*out = 0;
	if (get_str(ld, m, attr, &s, err, errlen) == -1)
		return -1;
	if (s != NULL && dv_bool(s, out) == -1) {
		snprintf(err, errlen, "%s: bad value \"%s\"", attr, s);
		ret = -1;
	}
	free(s);
	return ret;
}

/* sgDmarcFound: 1 when FALSE (no record found), 0 when TRUE or absent. */
static int
get_dmarc_missing(LDAP *ld, LDAPMessage *m, int *out, char *err,
    size_t errlen)
{
	char	*s;
	int	 found = 1, ret = 0;

	*out = 0;
	if (get_str(ld, m, "sgDmarcFound", &s, err, errlen) == -1)
		return -1;
	if (s != NULL && dv_bool(s, &found) == -1) {
		snprintf(err, errlen, "sgDmarcFound: bad value \"%s\"", s);
		ret = -1;
	}
	*out = !found;
	free(s);
	return ret;
}

/*
 * A multi-valued word set as bits, each value read by word(); absent
 * gives dflt.
 */
static int
get_words(LDAP *ld, LDAPMessage *m, const char *attr,
    int (*word)(const char *, int *), int dflt, int *out, char *err,
    size_t errlen)
{
	struct berval	**v;
	char		 *s;
	size_t		  n, i;
	int		  ret = 0, bit;

	*out = dflt;
	if ((v = values(ld, m, attr, &n)) == NULL || n == 0)
		goto done;
	*out = 0;
	for (i = 0; i < n && ret == 0; i++) {
		if ((s = value_str(v[i], attr, err, errlen)) == NULL) {
			ret = -1;
			break;
		}
		if (word(s, &bit) == -1) {
			snprintf(err, errlen, "%s: unknown value \"%.64s\"",
			    attr, s);
			ret = -1;
		} else
			*out |= bit;
		free(s);
	}
done:
	if (v != NULL)
		ldap_value_free_len(v);
	return ret;
}

/* The entry's DN (as the server gives it; compared without case). */
static char *
get_dn(LDAP *ld, LDAPMessage *m, char *err, size_t errlen)
{
	char	*dn, *s;

	if ((dn = ldap_get_dn(ld, m)) == NULL) {
		snprintf(err, errlen, "entry without DN");
		return NULL;
	}
	if ((s = strdup(dn)) == NULL)
		snprintf(err, errlen, "out of memory");
	ldap_memfree(dn);
	return s;
}

/* Lower-case a string in place. */
static void
lower(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Fill a domain from an sgDomain entry. */
int
dir_ldap_parse_domain(LDAP *ld, LDAPMessage *m, struct sg_domain *d,
    char *err, size_t errlen)
{
	err[0] = '\0';
	if ((d->dn = get_dn(ld, m, err, errlen)) == NULL ||
	    get_str(ld, m, "sgDomainName", &d->name, err, errlen) == -1 ||
	    get_str(ld, m, "sgPrimaryDomain", &d->primary, err, errlen) ==
	    -1 ||
	    get_status(ld, m, &d->status, err, errlen) == -1 ||
	    get_str(ld, m, "sgStatusReason", &d->reason, err, errlen) == -1 ||
	    get_limit(ld, m, &d->limit, err, errlen) == -1 ||
	    get_nets(ld, m, &d->nets, &d->nnets, err, errlen) == -1 ||
	    get_addr(ld, m, "sgArchiveAddress", &d->archive, err, errlen) ==
	    -1 ||
	    get_addrs(ld, m, "sgNotifyAddress", 0, &d->notify, &d->nnotify,
	    err, errlen) == -1 ||
	    get_dmarc_missing(ld, m, &d->dmarc_missing, err, errlen) == -1 ||
	    get_rates(ld, m, d->rates, &d->nrates, err, errlen) == -1)
		return -1;
	if (d->primary == NULL) {
		snprintf(err, errlen, "sgPrimaryDomain missing");
		return -1;
	}
	lower(d->primary);
	return 0;
}

/* Fill a sender from an sgSender entry. */
int
dir_ldap_parse_sender(LDAP *ld, LDAPMessage *m, struct sg_sender *s,
    char *err, size_t errlen)
{
	err[0] = '\0';
	if ((s->dn = get_dn(ld, m, err, errlen)) == NULL ||
	    get_addr(ld, m, "mail", &s->mail, err, errlen) == -1 ||
	    get_words(ld, m, "sgAccessMethod", dv_method, METHOD_SMTP,
	    &s->methods, err, errlen) == -1 ||
	    get_words(ld, m, "sgAuthMethod", dv_auth, AUTH_USER, &s->auth,
	    err, errlen) == -1 ||
	    get_addrs(ld, m, "sgAuthId", 1, &s->authids, &s->nauthids, err,
	    errlen) == -1 ||
	    get_nets(ld, m, &s->nets, &s->nnets, err, errlen) == -1 ||
	    get_addrs(ld, m, "sgBccAddress", 0, &s->bcc, &s->nbcc, err,
	    errlen) == -1 ||
	    get_bool(ld, m, "sgArchive", &s->archive, err, errlen) == -1 ||
	    get_limit(ld, m, &s->limit, err, errlen) == -1 ||
	    get_status(ld, m, &s->status, err, errlen) == -1 ||
	    get_str(ld, m, "sgStatusReason", &s->reason, err, errlen) == -1 ||
	    get_addr(ld, m, "sgReplyTo", &s->replyto, err, errlen) == -1 ||
	    get_bool(ld, m, "sgReplyToVerified", &s->replyto_verified, err,
	    errlen) == -1 ||
	    get_addrs(ld, m, "sgNotifyAddress", 0, &s->notify, &s->nnotify,
	    err, errlen) == -1 ||
	    get_rates(ld, m, s->rates, &s->nrates, err, errlen) == -1)
		return -1;
	if (s->mail == NULL) {
		snprintf(err, errlen, "mail missing");
		return -1;
	}
	return 0;
}

/* Is the entry's (single) address or domain value want, normalised? */
int
dir_ldap_value_is(LDAP *ld, LDAPMessage *m, const char *attr,
    const char *want)
{
	char		*s, err[128], norm[SG_ADDR_MAX + 1];
	const char	*dom;
	int		 ret = 0;

	if (get_str(ld, m, attr, &s, err, sizeof(err)) == -1 || s == NULL)
		return 0;
	if (strcmp(attr, "mail") == 0)
		ret = addr_parse_envelope(s, norm, sizeof(norm), &dom) ==
		    ADDR_OK && strcmp(norm, want) == 0;
	else {
		lower(s);
		ret = strcmp(s, want) == 0;
	}
	free(s);
	return ret;
}

/* Does child's DN sit directly under parent's? (case-insensitive) */
int
dir_ldap_is_child(const char *child, const char *parent)
{
	const char	*p;

	/* skip the child's RDN: up to the first comma not escaped */
	for (p = child; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == ',')
			return strcasecmp(p + 1, parent) == 0;
	}
	return 0;
}
