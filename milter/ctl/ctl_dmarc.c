/*
 * ctl_dmarc.c - domain check's DMARC part through libopendmarc: the
 * record found in DNS (ctl_dns.c asked; libopendmarc's own lookups
 * would go to /etc/resolv.conf) is parsed by opendmarc_policy_store_dmarc,
 * and the alignment is libopendmarc's verdict on a message From the
 * primary domain whose envelope is the primary domain (the relay's
 * senders are addresses of it) and whose DKIM signature, if the relay
 * signs, has d= the primary domain.
 */
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <opendmarc/dmarc.h>

#include "ctl/ctl_dmarc.h"

/* libopendmarc wants u_char * for what it only reads. */
#define U(s)	((u_char *)(uintptr_t)(s))

/* Parse and judge; see ctl_dmarc.h. */
int
ctl_dmarc_judge(const char *record, const char *primary, int spf_ok,
    int dkim_ok, const char *selector, struct ctl_dmarc *out)
{
	static OPENDMARC_LIB_T	 lib;
	static int		 initialised;
	DMARC_POLICY_T		*ctx;
	OPENDMARC_STATUS_T	 st;
	int			 p = 0, dkim_al = 0, spf_al = 0;

	memset(out, 0, sizeof(*out));
	if (!initialised) {
		memset(&lib, 0, sizeof(lib));
		lib.tld_type = OPENDMARC_TLD_TYPE_NONE;
		opendmarc_policy_library_init(&lib);
		initialised = 1;
	}
	if ((ctx = opendmarc_policy_connect_init(U("127.0.0.1"),
	    DMARC_POLICY_IP_TYPE_IPV4)) == NULL) {
		snprintf(out->why, sizeof(out->why), "libopendmarc: no context");
		return -1;
	}
	/*
	 * The From domain first: libopendmarc's store_from_domain overwrites
	 * the copy store_dmarc keeps without freeing it (a leak per domain
	 * that LeakSanitizer reports), while store_dmarc frees what it
	 * replaces.
	 */
	opendmarc_policy_store_from_domain(ctx, U(primary));
	st = opendmarc_policy_store_dmarc(ctx, U(record), U(primary), NULL);
	if (st != DMARC_PARSE_OKAY) {
		snprintf(out->why, sizeof(out->why), "%s",
		    opendmarc_policy_status_to_str(st));
		opendmarc_policy_connect_shutdown(ctx);
		return -1;
	}
	opendmarc_policy_fetch_p(ctx, &p);
	snprintf(out->policy, sizeof(out->policy), "%s",
	    p == DMARC_RECORD_P_REJECT ? "reject" :
	    p == DMARC_RECORD_P_QUARANTINE ? "quarantine" : "none");
	opendmarc_policy_store_spf(ctx, U(primary), spf_ok ?
	    DMARC_POLICY_SPF_OUTCOME_PASS : DMARC_POLICY_SPF_OUTCOME_FAIL,
	    DMARC_POLICY_SPF_ORIGIN_MAILFROM, NULL);
	if (dkim_ok)
		opendmarc_policy_store_dkim(ctx, U(primary), U(selector),
		    DMARC_POLICY_DKIM_OUTCOME_PASS, NULL);
	(void)opendmarc_get_policy_to_enforce(ctx);
	opendmarc_policy_fetch_alignment(ctx, &dkim_al, &spf_al);
	out->spf_aligned = spf_al == DMARC_POLICY_SPF_ALIGNMENT_PASS;
	out->dkim_aligned = dkim_al == DMARC_POLICY_DKIM_ALIGNMENT_PASS;
	opendmarc_policy_connect_shutdown(ctx);
	return 0;
}
