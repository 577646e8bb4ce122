/*
 * ctl_explain_cmd.c - the explain command: its options handed to
 * ctl_explain (ctl_explain.c), the answer printed as it comes, or with
 * --json as one object of its "key: value" lines.
 *
 * Exit: 0 MAIL FROM would pass, 1 it would be refused, 4 LDAP or Redis
 * failed (the answer, rule 3 or 11, is printed all the same).
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/addr.h"
#include "redis/counter.h"
#include "ctl/ctl.h"
#include "lib/log.h"

/* "smtp password:" of the sender, when it is one. */
static void
smtp_password(struct ctl_ctx *x, const char *from, FILE *fp)
{
	struct ctl_rec	*r = NULL;
	char		 mail[SG_ADDR_MAX + 1];
	const char	*dom;

	if (addr_parse_envelope(from, mail, sizeof(mail), &dom) != ADDR_OK ||
	    ctl_find_sender(x, mail, &r) != 1)
		return;
	fprintf(fp, "smtp password: %s\n", ctl_password_words(x, r));
	ctl_rec_free(r);
}

/* explain --from ADDRESS [--auth LOGIN] [--client IP] [--listener NAME] */
int
ctl_cmd_explain(struct ctl_ctx *x, const struct ctl_args *a, char **argv,
    int argc)
{
	struct ctl_explain_args	 ea;
	FILE			*fp = stdout;
	char			*text = NULL;
	size_t			 len = 0;
	int			 ret;

	(void)argv;
	(void)argc;
	ea.from = ctl_edit_value(a, O_FROM);
	ea.auth = ctl_edit_value(a, O_AUTH);
	ea.client = ctl_edit_value(a, O_CLIENT);
	ea.listener = ctl_edit_value(a, O_LISTENER);
	if (ea.from == NULL)
		return ctl_usage_error("explain", "--from ADDRESS is needed");
	if (ctl_counters_open(x) == -1)
		return CTL_BACKEND;
	if (a->json && (fp = open_memstream(&text, &len)) == NULL) {
		fprintf(stderr, "sendergatectl: out of memory\n");
		return CTL_BACKEND;
	}
	ret = ctl_explain(x->conf, x->ctrs, &ea, fp);
	if (ret != CTL_USAGE)
		smtp_password(x, ea.from, fp);
	log_debug("explain %s: exit %d", ea.from, ret);
	if (a->json) {
		fclose(fp);
		if (ret != CTL_USAGE)
			ctl_json_lines(stdout, text != NULL ? text : "",
			    ret == CTL_OK, ret);
		free(text);
	}
	return ret;
}
