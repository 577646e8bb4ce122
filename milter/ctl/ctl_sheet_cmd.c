/*
 * ctl_sheet_cmd.c - sendergatectl sender sheet ADDRESS [--json] [--mail]
 * [--relay HOST:PORT], and the sheet printed after sender add and
 * passwd --generate (ctl_sheet_print, the one path that shows a password).
 *
 * --mail sends the text sheet, never with a password, to the
 * sgNotifyAddress values of the sender and of its domain, through
 * notify_relay (or --relay) from notify_from (lib/notify.c's client).
 *
 * Exit: 0; 1 no such sender; 2 a bad address, options, or the relay's
 * customer_smtp_hosts / customer_ports not set; 3 --mail and nobody to
 * mail; 4 LDAP failed or the mail was not sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl/ctl.h"
#include "ctl/ctl_sheet.h"
#include "lib/addr.h"
#include "lib/log.h"
#include "lib/notify.h"

#define CMD		"sender sheet"
#define RCPT_MAX	64		/* contacts mailed, at most */

/*
 * The sender's entry and its domain's (parent) entry: CTL_OK with *s
 * and *d (NULL when the parent is not an sgDomain) to free; CTL_NOTFOUND
 * or CTL_BACKEND, reported.
 */
static int
load(struct ctl_ctx *x, const char *mail, struct ctl_rec **s,
    struct ctl_rec **d)
{
	struct ctl_rec	**v = NULL;
	size_t		  n = 0;
	int		  rc;

	*s = *d = NULL;
	if ((rc = ctl_find_sender(x, mail, s)) == -1)
		return CTL_BACKEND;
	if (rc == 0) {
		fprintf(stderr, "sendergatectl: no sender <%s>\n", mail);
		return CTL_NOTFOUND;
	}
	if (ctl_search(x, ctl_parent_dn((*s)->dn), LDAP_SCOPE_BASE,
	    "(objectClass=sgDomain)", &v, &n) == -1) {
		ctl_rec_free(*s);
		*s = NULL;
		return CTL_BACKEND;
	}
	if (n > 0) {
		*d = v[0];
		v[0] = NULL;
	}
	ctl_recs_free(v, n);
	return CTL_OK;
}

/* 1 when customer_smtp_hosts and customer_ports are set. */
static int
configured(const struct sg_conf *c)
{
	return c->customer_smtp_hosts[0] != '\0' &&
	    c->customer_ports[0] != '\0';
}

/* Build the sheet; pwset asked of LDAP unless a password was just made. */
static int
build(struct ctl_ctx *x, struct sheet *sh, const struct ctl_rec *s,
    const struct ctl_rec *d, const char *password)
{
	enum ctl_password pwset = PASSWORD_SET;

	if (password == NULL && ctl_sender_uses_user_auth(s) &&
	    (pwset = ctl_sender_password(x, s)) == PASSWORD_FAILED)
		return CTL_BACKEND;
	sheet_build(sh, x->conf, s, d, pwset, password);
	return CTL_OK;
}

/* The sheet of a sender just written, with its new password; see ctl.h. */
int
ctl_sheet_print(struct ctl_ctx *x, const char *mail, const char *password,
    int json)
{
	struct ctl_rec	*s = NULL, *d = NULL;
	struct sheet	 sh;
	int		 ret;

	if (!configured(x->conf))
		fprintf(stderr, "sendergatectl: warning: customer_smtp_hosts "
		    "and customer_ports are not set in %s: the sheet names "
		    "no host and no port\n", x->conf->path);
	if ((ret = load(x, mail, &s, &d)) == CTL_OK &&
	    (ret = build(x, &sh, s, d, password)) == CTL_OK) {
		if (json)
			sheet_json(x->out, &sh);
		else
			sheet_text(x->out, &sh);
	} else if (password != NULL) {
		/* the entry holds it already: do not lose it */
		fprintf(stderr, "sendergatectl: the password was set, but "
		    "the sheet of <%s> could not be made\n", mail);
		fprintf(x->out, "password: %s\n", password);
	}
	ctl_rec_free(s);
	ctl_rec_free(d);
	return ret;
}

/* Add the sgNotifyAddress values of r to to[] (once each). */
static void
contacts(const struct ctl_rec *r, const char **to, size_t *n)
{
	const struct ctl_attr	*a = r != NULL ?
				    ctl_rec_get(r, "sgNotifyAddress") : NULL;
	size_t			 i, j;

	for (i = 0; a != NULL && i < a->n; i++) {
		for (j = 0; j < *n; j++)
			if (strcasecmp(to[j], a->v[i]) == 0)
				break;
		if (j == *n && *n < RCPT_MAX)
			to[(*n)++] = a->v[i];
	}
}

/* Mail the sheet (no password) to the contacts; an exit code. */
static int
mail_sheet(struct ctl_ctx *x, const struct ctl_args *a,
    const struct sheet *sh, const char *mail)
{
	const char	*to[RCPT_MAX], *relay = ctl_edit_value(a, O_RELAY);
	char		*body = NULL, err[600], subject[SG_ADDR_MAX + 64];
	size_t		 nto = 0, blen = 0, i;
	FILE		*fp;

	if (relay == NULL || relay[0] == '\0')
		relay = x->conf->notify_relay;
	if (relay[0] == '\0')
		return ctl_usage_error(CMD, "--mail: no relay: set "
		    "notify_relay or give --relay HOST:PORT");
	contacts(sh->s, to, &nto);
	contacts(sh->d, to, &nto);
	if (nto == 0) {
		fprintf(stderr, "sendergatectl: neither <%s> nor its domain "
		    "has an sgNotifyAddress to mail the sheet to (set one: "
		    "sender update %s --notify ADDRESS)\n", mail, mail);
		return CTL_INVALID;
	}
	if ((fp = open_memstream(&body, &blen)) == NULL) {
		fprintf(stderr, "sendergatectl: out of memory\n");
		return CTL_BACKEND;
	}
	fprintf(fp, "The sender <%s> is registered on our mail relay.\n"
	    "This is what you need to send its mail through the relay.\n",
	    mail);
	if (sh->auths & AUTH_USER)
		fprintf(fp, "It holds no password: a password is given to "
		    "you only once,\nwhen it is made.\n");
	fprintf(fp, "\n");
	sheet_text(fp, sh);
	if (fclose(fp) != 0 || body == NULL) {
		free(body);
		fprintf(stderr, "sendergatectl: out of memory\n");
		return CTL_BACKEND;
	}
	snprintf(subject, sizeof(subject), "Your sender <%s>: how to send",
	    mail);
	if (notify_send(relay, x->conf->notify_from, to, nto, subject, body,
	    NULL, err, sizeof(err)) == -1) {
		free(body);
		fprintf(stderr, "sendergatectl: the sheet was not sent: %s\n",
		    err);
		return CTL_BACKEND;
	}
	free(body);
	log_debug("sheet %s: mailed via %s", mail, relay);
	fprintf(x->out, "sheet of <%s> sent to", mail);
	for (i = 0; i < nto; i++)
		fprintf(x->out, "%s <%s>", i > 0 ? "," : "", to[i]);
	fprintf(x->out, "\n");
	return CTL_OK;
}

/* sender sheet ADDRESS [--json] [--mail [--relay HOST:PORT]] */
int
ctl_cmd_sender_sheet(struct ctl_ctx *x, const struct ctl_args *a,
    char **v, int n)
{
	struct ctl_rec	*s = NULL, *d = NULL;
	struct sheet	 sh;
	char		 mail[SG_ADDR_MAX + 1];
	const char	*dom;
	int		 ret;

	(void)n;
	if (strpbrk(v[0], " \t") != NULL ||
	    addr_parse_envelope(v[0], mail, sizeof(mail), &dom) != ADDR_OK)
		return ctl_usage_error(CMD, "<%s>: not a valid address", v[0]);
	if (a->mail && a->json)
		return ctl_usage_error(CMD, "--mail sends the text sheet: "
		    "it takes no --json");
	if (!a->mail && ctl_edit_value(a, O_RELAY) != NULL)
		return ctl_usage_error(CMD, "--relay goes with --mail");
	if (!configured(x->conf)) {
		fprintf(stderr, "sendergatectl: %s: customer_smtp_hosts and "
		    "customer_ports are not set in %s: a sheet without hosts "
		    "and ports does not work as written\n", CMD,
		    x->conf->path);
		return CTL_USAGE;
	}
	if ((ret = load(x, mail, &s, &d)) != CTL_OK ||
	    (ret = build(x, &sh, s, d, NULL)) != CTL_OK)
		goto out;
	if (a->mail)
		ret = mail_sheet(x, a, &sh, mail);
	else if (a->json)
		sheet_json(x->out, &sh);
	else
		sheet_text(x->out, &sh);
out:
	ctl_rec_free(s);
	ctl_rec_free(d);
	return ret;
}
