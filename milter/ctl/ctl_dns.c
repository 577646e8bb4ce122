/*
 * ctl_dns.c - sendergatectl's queries, through libunbound (see
 * ctl_dns.h).
 *
 * Why libunbound and not libresolv: it takes a resolver with a port
 * (ub_ctx_set_fwd "127.0.0.1@5353": the tests' authoritative server on
 * loopback) without touching process-wide state such as _res, it tells
 * SERVFAIL from NXDOMAIN from "no data" in its result, it follows CNAME
 * chains, and asynchronous queries let one deadline cover all of a
 * query's retries. Queries go to dns_resolver, or to the nameservers
 * of /etc/resolv.conf when it is empty, as a forwarder: the resolver
 * recurses, we do not.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unbound.h>

#include "ctl/ctl_dns.h"
#include "lib/dnscheck.h"
#include "lib/log.h"

#define RR_TXT		16
#define RCODE_SERVFAIL	2
#define RCODE_NXDOMAIN	3

struct ctl_dns {
	struct ub_ctx	*ctx;
};

/* One query's outcome, filled by the callback. */
struct pending {
	int		 done;
	int		 err;
	struct ub_result *res;
};

/* libunbound's callback: keep the result. */
static void
answered(void *arg, int err, struct ub_result *res)
{
	struct pending	*p = arg;

	p->done = 1;
	p->err = err;
	p->res = res;
}

/* Open a context for conf's dns_resolver. */
struct ctl_dns *
ctl_dns_open(const struct sg_conf *c, char *err, size_t errlen)
{
	struct ctl_dns	*d;
	const char	*why;
	char		 host[64], fwd[80];
	int		 port, rc;

	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->ctx = ub_ctx_create()) == NULL) {
		snprintf(err, errlen, "DNS: cannot create a resolver context");
		free(d);
		return NULL;
	}
	rc = conf_dns_resolver(c->dns_resolver, host, sizeof(host), &port,
	    &why);
	if (rc == 1)
		rc = ub_ctx_resolvconf(d->ctx, NULL);
	else if (rc == 0) {
		snprintf(fwd, sizeof(fwd), "%s@%d", host, port);
		rc = ub_ctx_set_fwd(d->ctx, fwd);
	} else {
		snprintf(err, errlen, "dns_resolver: %s", why);
		goto fail;
	}
	if (rc != 0 ||
	    /* a resolver on loopback (a local cache, the tests) is allowed */
	    ub_ctx_set_option(d->ctx, "do-not-query-localhost:", "no") != 0 ||
	    ub_ctx_async(d->ctx, 1) != 0) {
		snprintf(err, errlen, "DNS: cannot set the resolver %s: %s",
		    c->dns_resolver[0] ? c->dns_resolver : "of /etc/resolv.conf",
		    rc != 0 ? ub_strerror(rc) : "bad option");
		goto fail;
	}
	log_debug("DNS: resolver %s", c->dns_resolver[0] ? c->dns_resolver :
	    "/etc/resolv.conf");
	return d;
fail:
	ub_ctx_delete(d->ctx);
	free(d);
	return NULL;
}

/* Close the context. */
void
ctl_dns_close(struct ctl_dns *d)
{
	if (d == NULL)
		return;
	ub_ctx_delete(d->ctx);
	free(d);
}

/* Milliseconds from now to deadline (monotonic), at least 0. */
static int
remaining(const struct timespec *deadline)
{
	struct timespec	 now;
	long long	 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

/* Ask; see ctl_dns.h. */
int
ctl_dns_query(struct ctl_dns *d, const char *name, int rrtype,
    struct ub_result **res, char *why, size_t whylen)
{
	struct pending	 p = { 0, 0, NULL };
	struct timespec	 deadline;
	struct pollfd	 pfd;
	int		 id, rc, ms;

	*res = NULL;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += CTL_DNS_TIMEOUT_MS / 1000;
	if ((rc = ub_resolve_async(d->ctx, name, rrtype, 1, &p, answered,
	    &id)) != 0) {
		snprintf(why, whylen, "%s", ub_strerror(rc));
		return -1;
	}
	while (!p.done) {
		if ((ms = remaining(&deadline)) == 0) {
			ub_cancel(d->ctx, id);
			snprintf(why, whylen, "no answer within %d s",
			    CTL_DNS_TIMEOUT_MS / 1000);
			return -1;
		}
		pfd.fd = ub_fd(d->ctx);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, ms) == -1 && errno != EINTR) {
			snprintf(why, whylen, "poll: %s", strerror(errno));
			ub_cancel(d->ctx, id);
			return -1;
		}
		if ((rc = ub_process(d->ctx)) != 0) {
			snprintf(why, whylen, "%s", ub_strerror(rc));
			return -1;
		}
	}
	if (p.err != 0) {
		snprintf(why, whylen, "%s", ub_strerror(p.err));
		return -1;
	}
	log_debug("DNS: %s type %d: rcode %d, %s", name, rrtype, p.res->rcode,
	    p.res->havedata ? "data" : "no data");
	if (p.res->rcode != 0 && p.res->rcode != RCODE_NXDOMAIN) {
		snprintf(why, whylen, "%s", p.res->rcode == RCODE_SERVFAIL ?
		    "SERVFAIL" : p.res->rcode == 5 ? "REFUSED" : "error");
		if (p.res->rcode != RCODE_SERVFAIL && p.res->rcode != 5)
			snprintf(why, whylen, "rcode %d", p.res->rcode);
		ub_resolve_free(p.res);
		return -1;
	}
	*res = p.res;
	return p.res->havedata ? 1 : 0;
}

/* The TXT records at name, joined; see ctl_dns.h. */
int
ctl_dns_txt(struct ctl_dns *d, const char *name, char ***txt, size_t *n,
    char *why, size_t whylen)
{
	struct ub_result	*res;
	char			 buf[DC_TXT_MAX], **v;
	size_t			 i, k = 0;
	int			 rc;

	*txt = NULL;
	*n = 0;
	if ((rc = ctl_dns_query(d, name, RR_TXT, &res, why, whylen)) != 1) {
		if (res != NULL)
			ub_resolve_free(res);
		return rc;
	}
	for (i = 0; res->data[i] != NULL; i++)
		;
	if ((v = calloc(i + 1, sizeof(*v))) == NULL) {
		snprintf(why, whylen, "out of memory");
		ub_resolve_free(res);
		return -1;
	}
	for (i = 0; res->data[i] != NULL; i++) {
		if (dc_txt_join((const unsigned char *)res->data[i],
		    (size_t)res->len[i], buf, sizeof(buf)) == -1)
			continue;
		if ((v[k] = strdup(buf)) == NULL) {
			ctl_dns_free_txt(v, k);
			ub_resolve_free(res);
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		k++;
	}
	ub_resolve_free(res);
	*txt = v;
	*n = k;
	return 1;
}

/* Free ctl_dns_txt's strings. */
void
ctl_dns_free_txt(char **txt, size_t n)
{
	while (n > 0)
		free(txt[--n]);
	free(txt);
}
