/*
 * ctl_dmarc.h - a DMARC record read by libopendmarc: its policy, and
 * whether the relay's mail can align (ctl_dmarc.c).
 */
#ifndef SG_CTL_DMARC_H
#define SG_CTL_DMARC_H

struct ctl_dmarc {
	char	 policy[16];		/* "none", "quarantine", "reject" */
	int	 spf_aligned;		/* SPF passes for the relay, aligned */
	int	 dkim_aligned;		/* a d=PRIMARY signature would align */
	char	 why[128];		/* when the record does not parse */
};

/*
 * Parse record (the one DMARC record of primary) with libopendmarc and
 * judge the alignment of mail from primary whose SPF passes (spf_ok)
 * and which the relay signs with d=primary at selector (dkim_ok). 0, or
 * -1 when the record does not parse (out->why).
 */
int	ctl_dmarc_judge(const char *record, const char *primary, int spf_ok,
	    int dkim_ok, const char *selector, struct ctl_dmarc *out);

#endif
