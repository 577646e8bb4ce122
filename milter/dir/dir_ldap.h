/*
 * dir_ldap.h - shared by the LDAP directory backends: connections and
 * turning LDAP entries into struct sg_domain / struct sg_sender.
 */
#ifndef SG_DIR_LDAP_H
#define SG_DIR_LDAP_H

#include <ldap.h>
#include "lib/conf.h"
#include "dir/dir.h"

/* The attributes the milter reads (NULL-terminated). */
extern char *dir_ldap_attrs[];

/*
 * Connect to the first of the configured URIs that answers, with the
 * timeouts, TLS (ldaps://, StartTLS, ldap_ca_file) and bind of c.
 * Returns a bound handle, or NULL (each failure logged).
 */
LDAP	*dir_ldap_connect(const struct sg_conf *c);

/* 1 if msg is an sgDomain / sgSender entry. */
int	dir_ldap_is_domain(LDAP *, LDAPMessage *);
int	dir_ldap_is_sender(LDAP *, LDAPMessage *);

/*
 * Fill a domain or sender from an entry. 0, or -1 with a reason in err
 * (a malformed value: the entry must fail safely). The struct's
 * allocations are freed by entry_unref of the owning entry, also after
 * an error.
 */
int	dir_ldap_parse_domain(LDAP *, LDAPMessage *, struct sg_domain *,
	    char *err, size_t errlen);
int	dir_ldap_parse_sender(LDAP *, LDAPMessage *, struct sg_sender *,
	    char *err, size_t errlen);

/*
 * 1 if the entry's value of attr (mail, or sgPrimaryDomain), normalised
 * as the milter normalises it (an address: addr_parse_envelope; a
 * domain: ASCII lower case), is want exactly. LDAP's matching rules fold
 * more than that (spaces in quoted strings, for one); query mode keeps
 * only the entries mirror mode would index under want.
 */
int	dir_ldap_value_is(LDAP *, LDAPMessage *, const char *attr,
	    const char *want);

/* 1 if child's DN sits directly under parent's DN. */
int	dir_ldap_is_child(const char *child, const char *parent);

#endif
