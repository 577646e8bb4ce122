/*
 * ctl_sheet.h - the onboarding sheet (ctl_sheet.c: made and printed;
 * ctl_sheet_cmd.c: sender sheet, --mail, and the sheet after sender add
 * and passwd --generate).
 */
#ifndef SG_CTL_SHEET_H
#define SG_CTL_SHEET_H

#include <stdio.h>

#include "ctl/ctl.h"

struct sheet {
	const struct sg_conf	*conf;
	const struct ctl_rec	*s;		/* the sender (borrowed) */
	const struct ctl_rec	*d;		/* its domain, or NULL */
	const char		*password;	/* one-time, or NULL (borrowed) */
	enum ctl_password	 pwset;		/* ctl_sender_password's answer */
	int			 methods;	/* METHOD_* bits */
	int			 auths;		/* AUTH_* bits */
	int			 status;	/* the worse of both entries */
	struct sg_port		 ports[SG_PORTS_MAX];	/* the sender's */
	int			 nports;
	int			 recommended;	/* ports[0] is 587 */
	long			 limit, dlimit;	/* LIMIT_NONE: none */
	int			 replyto_verified, replyto_added;
	int			 suppressed;	/* the lists apply to it */
};

/*
 * Make the sheet of sender s under domain d from the configuration.
 * Pure: no I/O. pwset: what ctl_sender_password said;
 * password: one just generated, to show once, or NULL. sh borrows s, d,
 * c and password.
 */
void	sheet_build(struct sheet *sh, const struct sg_conf *c,
	    const struct ctl_rec *s, const struct ctl_rec *d,
	    enum ctl_password pwset,
	    const char *password);
/* Print it as "key: value" lines, or as one JSON object. */
void	sheet_text(FILE *, const struct sheet *);
void	sheet_json(FILE *, const struct sheet *);

#endif
