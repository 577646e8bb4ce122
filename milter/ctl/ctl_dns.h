/*
 * ctl_dns.h - sendergatectl's DNS: queries through libunbound to the
 * resolver dns_resolver names (or the system's), each answered three
 * ways - found, none (no such name, or no record of the type), or
 * failed (SERVFAIL, REFUSED, a timeout: the resolver could not say) -
 * and the SPF policy of a domain evaluated by libspf2 over the same
 * queries (ctl_spf.c).
 *
 * Only sendergatectl links this; the milter makes no DNS query.
 */
#ifndef SG_CTL_DNS_H
#define SG_CTL_DNS_H

#include <stddef.h>

#include "lib/conf.h"

#define CTL_DNS_TIMEOUT_MS	5000	/* one query, retries included */

struct ctl_dns;				/* opaque */
struct ub_result;

/* A resolver for conf's dns_resolver; NULL with err (reported by caller). */
struct ctl_dns *ctl_dns_open(const struct sg_conf *, char *err, size_t errlen);
void	ctl_dns_close(struct ctl_dns *);

/*
 * Ask for rrtype at name. 1 found (*res set: free it with
 * ub_resolve_free), 0 none (*res set likewise: NXDOMAIN or no data),
 * -1 failed (why says what, e.g. "SERVFAIL", "timed out after 5 s").
 */
int	ctl_dns_query(struct ctl_dns *, const char *name, int rrtype,
	    struct ub_result **res, char *why, size_t whylen);

/*
 * The TXT records at name, each one's strings joined (malformed ones
 * skipped): 1 found (*txt: n strings, free with ctl_dns_free_txt), 0
 * none, -1 failed (why).
 */
int	ctl_dns_txt(struct ctl_dns *, const char *name, char ***txt,
	    size_t *n, char *why, size_t whylen);
void	ctl_dns_free_txt(char **txt, size_t n);

/* What the SPF policy of domain says of a message from ip (ctl_spf.c). */
enum ctl_spf {
	CTL_SPF_PASS, CTL_SPF_FAIL, CTL_SPF_SOFTFAIL, CTL_SPF_NEUTRAL,
	CTL_SPF_NONE, CTL_SPF_PERMERROR,
	CTL_SPF_TEMPERROR			/* DNS failed: a backend error */
};

/*
 * Evaluate with libspf2 the SPF policy of domain for a message from ip
 * (MAIL FROM postmaster@domain), its lookups through d. The result; why
 * holds libspf2's explanation (or the DNS failure).
 */
enum ctl_spf ctl_spf_check(struct ctl_dns *d, const char *ip,
	    const char *domain, char *why, size_t whylen);
const char *ctl_spf_name(enum ctl_spf);

#endif
