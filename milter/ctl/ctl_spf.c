/*
 * ctl_spf.c - the SPF check of domain check: libspf2 evaluates the
 * domain's policy for the relay's address, its DNS layer being ours
 * (ctl_dns.c, libunbound to dns_resolver) instead of libspf2's own
 * libresolv one, which reads /etc/resolv.conf and nothing else.
 *
 * The layer answers libspf2's lookups as its resolv layer does: A and
 * AAAA as addresses, TXT with each record's strings joined, MX and PTR
 * as names; NXDOMAIN is HOST_NOT_FOUND, no data NO_DATA, and a failed
 * query (SERVFAIL, timeout) TRY_AGAIN, which libspf2 turns into
 * temperror: a backend failure for the caller, never "fail".
 */
#include <netinet/in.h>
#include <arpa/nameser.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>
#include <unbound.h>

#include "ctl/ctl_dns.h"
#include "lib/dnscheck.h"

/* The layer's state: the resolver and the last failure. */
struct layer {
	struct ctl_dns	*dns;
	char		 why[256];
};

/* Copy one rdata of type into rr's slot k; 0, or -1 to skip it. */
static int
put_rdata(SPF_dns_rr_t *rr, int k, ns_type type, const unsigned char *data,
    size_t len)
{
	char	 buf[DC_TXT_MAX];
	size_t	 n;

	switch (type) {
	case ns_t_a:
	case ns_t_aaaa:
		n = type == ns_t_a ? sizeof(struct in_addr) :
		    sizeof(struct in6_addr);
		if (len != n || SPF_dns_rr_buf_realloc(rr, k, n) != SPF_E_SUCCESS)
			return -1;
		memcpy(type == ns_t_a ? (void *)&rr->rr[k]->a :
		    (void *)&rr->rr[k]->aaaa, data, n);
		return 0;
	case ns_t_txt:
		if (dc_txt_join(data, len, buf, sizeof(buf)) == -1)
			return -1;
		break;
	case ns_t_mx:
		if (len < 3 || dc_wire_name(data + 2, len - 2, buf,
		    sizeof(buf)) == -1)
			return -1;
		break;
	case ns_t_ptr:
		if (dc_wire_name(data, len, buf, sizeof(buf)) == -1)
			return -1;
		break;
	default:
		return -1;
	}
	n = strlen(buf) + 1;
	if (SPF_dns_rr_buf_realloc(rr, k, n) != SPF_E_SUCCESS)
		return -1;
	memcpy(rr->rr[k]->txt, buf, n);
	return 0;
}

/* libspf2's lookup: one query through ctl_dns. */
static SPF_dns_rr_t *
lookup(SPF_dns_server_t *srv, const char *domain, ns_type type,
    int should_cache)
{
	struct layer		*l = srv->hook;
	struct ub_result	*res;
	SPF_dns_rr_t		*rr;
	int			 rc, i, k = 0;

	(void)should_cache;
	rc = ctl_dns_query(l->dns, domain, (int)type, &res, l->why,
	    sizeof(l->why));
	if (rc == -1)
		return SPF_dns_rr_new_init(srv, domain, type, 0, TRY_AGAIN);
	if (rc == 0) {
		rr = SPF_dns_rr_new_init(srv, domain, type, res->ttl,
		    res->nxdomain ? HOST_NOT_FOUND : NO_DATA);
		ub_resolve_free(res);
		return rr;
	}
	if ((rr = SPF_dns_rr_new_init(srv, domain, type, res->ttl,
	    NETDB_SUCCESS)) == NULL) {
		ub_resolve_free(res);
		return NULL;
	}
	for (i = 0; res->data[i] != NULL; i++)
		if (put_rdata(rr, k, type, (const unsigned char *)res->data[i],
		    (size_t)res->len[i]) == 0)
			rr->num_rr = ++k;
	if (k == 0)
		rr->herrno = NO_DATA;
	ub_resolve_free(res);
	return rr;
}

/* Evaluate; see ctl_dns.h. */
enum ctl_spf
ctl_spf_check(struct ctl_dns *d, const char *ip, const char *domain,
    char *why, size_t whylen)
{
	SPF_dns_server_t	 layer;
	struct layer		 l;
	SPF_server_t		*srv;
	SPF_request_t		*req = NULL;
	SPF_response_t		*resp = NULL;
	const char		*comment;
	char			 from[DC_NAME_MAX + 16];
	enum ctl_spf		 ret = CTL_SPF_TEMPERROR;

	memset(&layer, 0, sizeof(layer));
	memset(&l, 0, sizeof(l));
	l.dns = d;
	layer.lookup = lookup;
	layer.name = "sendergate";
	layer.hook = &l;
	snprintf(why, whylen, "libspf2 failed");
	if ((srv = SPF_server_new_dns(&layer, 0)) == NULL)
		return ret;
	snprintf(from, sizeof(from), "postmaster@%s", domain);
	if ((req = SPF_request_new(srv)) == NULL ||
	    (strchr(ip, ':') != NULL ? SPF_request_set_ipv6_str(req, ip) :
	    SPF_request_set_ipv4_str(req, ip)) != SPF_E_SUCCESS ||
	    SPF_request_set_env_from(req, from) != 0)
		goto out;
	SPF_request_query_mailfrom(req, &resp);
	if (resp == NULL)
		goto out;
	comment = SPF_response_get_header_comment(resp);
	snprintf(why, whylen, "%s", comment != NULL ? comment :
	    SPF_strresult(SPF_response_result(resp)));
	switch (SPF_response_result(resp)) {
	case SPF_RESULT_PASS:
		ret = CTL_SPF_PASS;
		break;
	case SPF_RESULT_FAIL:
		ret = CTL_SPF_FAIL;
		break;
	case SPF_RESULT_SOFTFAIL:
		ret = CTL_SPF_SOFTFAIL;
		break;
	case SPF_RESULT_NEUTRAL:
		ret = CTL_SPF_NEUTRAL;
		break;
	case SPF_RESULT_NONE:
		ret = CTL_SPF_NONE;
		break;
	case SPF_RESULT_PERMERROR:
		ret = CTL_SPF_PERMERROR;
		break;
	default:
		/* the DNS failure says more than libspf2's comment */
		if (l.why[0] != '\0')
			snprintf(why, whylen, "%s", l.why);
		ret = CTL_SPF_TEMPERROR;
		break;
	}
out:
	if (resp != NULL)
		SPF_response_free(resp);
	if (req != NULL)
		SPF_request_free(req);
	SPF_server_free(srv);
	return ret;
}

/* The result's word. */
const char *
ctl_spf_name(enum ctl_spf r)
{
	static const char *const names[] = { "pass", "fail", "softfail",
	    "neutral", "none", "permerror", "temperror" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] :
	    "unknown";
}
