/*
 * ctl_args.c - sendergatectl's command line: the long options, their
 * parsing into struct ctl_args (options may stand anywhere; edit options
 * are kept in command-line order, for update's "first plain option
 * replaces"), and usage errors: one short line and a hint, never the
 * whole usage.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "lib/paths.h"

#define CONF_DEFAULT	SG_CONF_PATH

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "bind-dn", required_argument, NULL, O_BINDDN },
	{ "bind-password-file", required_argument, NULL, O_BINDPW },
	{ "dry-run", no_argument, NULL, O_DRYRUN },
	{ "yes", no_argument, NULL, O_YES },
	{ "json", no_argument, NULL, O_JSON },
	{ "month", required_argument, NULL, O_MONTH },
	{ "sort", required_argument, NULL, O_SORT },
	{ "generate", no_argument, NULL, O_GENERATE },
	{ "name", required_argument, NULL, O_NAME },
	{ "description", required_argument, NULL, O_DESCRIPTION },
	{ "access", required_argument, NULL, O_ACCESS },
	{ "auth", required_argument, NULL, O_AUTH },
	{ "auth-id", required_argument, NULL, O_AUTHID },
	{ "network", required_argument, NULL, O_NETWORK },
	{ "bcc", required_argument, NULL, O_BCC },
	{ "archive", required_argument, NULL, O_ARCHIVE },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "reply-to", required_argument, NULL, O_REPLYTO },
	{ "status", required_argument, NULL, O_STATUS },
	{ "reason", required_argument, NULL, O_REASON },
	{ "primary", required_argument, NULL, O_PRIMARY },
	{ "archive-address", required_argument, NULL, O_ARCHIVEADDR },
	{ "add-access", required_argument, NULL, O_ADD_ACCESS },
	{ "remove-access", required_argument, NULL, O_RM_ACCESS },
	{ "add-auth", required_argument, NULL, O_ADD_AUTH },
	{ "remove-auth", required_argument, NULL, O_RM_AUTH },
	{ "add-auth-id", required_argument, NULL, O_ADD_AUTHID },
	{ "remove-auth-id", required_argument, NULL, O_RM_AUTHID },
	{ "add-network", required_argument, NULL, O_ADD_NETWORK },
	{ "remove-network", required_argument, NULL, O_RM_NETWORK },
	{ "add-bcc", required_argument, NULL, O_ADD_BCC },
	{ "remove-bcc", required_argument, NULL, O_RM_BCC },
	{ "notify", required_argument, NULL, O_NOTIFY },
	{ "add-notify", required_argument, NULL, O_ADD_NOTIFY },
	{ "remove-notify", required_argument, NULL, O_RM_NOTIFY },
	{ "from", required_argument, NULL, O_FROM },
	{ "client", required_argument, NULL, O_CLIENT },
	{ "listener", required_argument, NULL, O_LISTENER },
	{ "domain", required_argument, NULL, O_DOMAIN },
	{ "relay", required_argument, NULL, O_RELAY },
	{ "generate-password", no_argument, NULL, O_GENERATE },
	{ "mail", no_argument, NULL, O_MAIL },
	{ "dkim-selector", required_argument, NULL, O_DKIM },
	{ "add-dkim-selector", required_argument, NULL, O_ADD_DKIM },
	{ "remove-dkim-selector", required_argument, NULL, O_RM_DKIM },
	{ "send-rate", required_argument, NULL, O_RATE },
	{ "add-send-rate", required_argument, NULL, O_ADD_RATE },
	{ "remove-send-rate", required_argument, NULL, O_RM_RATE },
	{ "skip-dns-check", no_argument, NULL, O_SKIPDNS },
	{ "all", no_argument, NULL, O_ALL },
	{ NULL, 0, NULL, 0 }
};

/* Keep one edit option; -1 when out of memory. */
static int
keep_edit(struct ctl_args *a, int opt, const char *value)
{
	struct ctl_edit	*e;

	e = reallocarray(a->edits, a->nedits + 1, sizeof(*e));
	if (e == NULL)
		return -1;
	a->edits = e;
	e[a->nedits].opt = opt;
	e[a->nedits].value = value;
	a->nedits++;
	return 0;
}

/* Parse the command line into a. */
int
ctl_args_parse(int argc, char *argv[], struct ctl_args *a)
{
	int	 ch;

	memset(a, 0, sizeof(*a));
	a->conf = CONF_DEFAULT;
	opterr = 1;
	while ((ch = getopt_long(argc, argv, "c:hnv", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			a->conf = optarg;
			break;
		case 'h':
			a->help = 1;
			break;
		case 'v':
			a->verbose = 1;
			break;
		case 'n':
		case O_DRYRUN:
			a->dry_run = 1;
			break;
		case O_BINDDN:
			a->bind_dn = optarg;
			break;
		case O_BINDPW:
			a->bind_pw_file = optarg;
			break;
		case O_YES:
			a->yes = 1;
			break;
		case O_JSON:
			a->json = 1;
			break;
		case O_MONTH:
			a->month = optarg;
			break;
		case O_SORT:
			a->sort = optarg;
			break;
		case O_GENERATE:
			a->generate = 1;
			break;
		case O_MAIL:
			a->mail = 1;
			break;
		case O_SKIPDNS:
			a->skip_dns = 1;
			break;
		case O_ALL:
			a->all = 1;
			break;
		default:
			if (ch < O_NAME || ch > O_LAST_EDIT) {
				/* getopt has named the option */
				fprintf(stderr, "Try 'sendergatectl --help'."
				    "\n");
				ctl_args_free(a);
				return CTL_USAGE;
			}
			if (keep_edit(a, ch, optarg) == -1) {
				fprintf(stderr, "sendergatectl: out of "
				    "memory\n");
				ctl_args_free(a);
				return CTL_BACKEND;
			}
			break;
		}
	}
	a->pos = argv + optind;
	a->npos = argc - optind;
	return CTL_OK;
}

/* Free what parsing allocated. */
void
ctl_args_free(struct ctl_args *a)
{
	free(a->edits);
	a->edits = NULL;
	a->nedits = 0;
}

/* The value of the last edit opt, or NULL. */
const char *
ctl_edit_value(const struct ctl_args *a, int opt)
{
	const char	*v = NULL;
	size_t		 i;

	for (i = 0; i < a->nedits; i++)
		if (a->edits[i].opt == opt)
			v = a->edits[i].value;
	return v;
}

/* "--name" of an option number ("--?" if none). */
const char *
ctl_opt_name(int opt)
{
	static char	 buf[64];
	size_t		 k;

	for (k = 0; longopts[k].name != NULL; k++)
		if (longopts[k].val == opt) {
			snprintf(buf, sizeof(buf), "--%s", longopts[k].name);
			return buf;
		}
	return "--?";
}

/* One line saying what is wrong, one saying where help is. */
int
ctl_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "sendergatectl: ");
	if (cmd != NULL)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'sendergatectl %s%s--help'.\n",
	    cmd != NULL ? cmd : "", cmd != NULL ? " " : "");
	return CTL_USAGE;
}
