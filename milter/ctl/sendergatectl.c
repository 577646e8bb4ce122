/*
 * sendergatectl.c - the administration tool of sendergate: senders and
 * domains in LDAP, their passwords, their counters, and what the milter
 * would answer.
 *
 *	sendergatectl [-c file] [options] command [argument]
 *
 * This file is the command table and main: it finds the command, checks
 * its operands and options, and runs it (ctl_entry.c, ctl_list.c,
 * ctl_usage.c, ctl_explain_cmd.c). Every change runs in two phases: the
 * validation phase gathers the final state of the entry and the facts
 * around it and reports every problem at once (ctl_validate.c); only
 * when there is none does the execution phase write (ctl_ldap.c), or
 * print the LDIF with --dry-run.
 *
 * Exit: 0 done, 1 not found (show, usage, passwd, delete) or "refused"
 * (explain), 2 usage error, 3 validation failed (nothing written),
 * 4 LDAP or Redis failed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "ctl/ctl.h"
#include "lib/log.h"
#include "lib/paths.h"

/* Which options a command takes beyond the global ones. */
enum takes {
	T_NONE,		/* none */
	T_EDIT,		/* the edit options (checked against the entry kind) */
	T_REASON,	/* --reason */
	T_EXPLAIN,	/* --from, --auth, --client, --listener */
	T_SUPPRESS,	/* --domain, --reason */
	T_VERIFY,	/* --relay */
};

struct command {
	const char	*name;		/* one or two words */
	int		 min, max;	/* operands */
	enum takes	 takes;
	int		(*run)(struct ctl_ctx *, const struct ctl_args *,
			    char **, int);
	const char	*synopsis;	/* operands and options */
	const char	*help;		/* what it does, a few lines */
};

static const struct command commands[] = {
	{ "sender add", 1, 1, T_EDIT, ctl_cmd_sender_add,
	    "ADDRESS --name N --access smtp|campaign... --auth user|ip...\n"
	    "    [--auth-id LOGIN]... --limit N [--network CIDR]... [--bcc A]...\n"
	    "    [--archive yes|no] [--reply-to A] [--description T]\n"
	    "    [--status S --reason T] [--notify A]... [--send-rate N/T]...\n"
	    "    [--generate-password] [--json]",
	    "Add a sender under the domain whose primary domain is the\n"
	    "address's domain. Repeat an option for several values. Prints\n"
	    "its onboarding sheet (see sender sheet); with\n"
	    "--generate-password, a password is made and shown there, once." },
	{ "sender update", 1, 1, T_EDIT, ctl_cmd_sender_update,
	    "ADDRESS [options of add] [--add-X V | --remove-X V]...\n"
	    "    (X: access, auth, auth-id, network, bcc, notify, send-rate)",
	    "Change a sender. A plain option replaces all values of its\n"
	    "attribute, an empty one removes it; --add-X and --remove-X edit\n"
	    "one value." },
	{ "sender show", 1, 1, T_NONE, ctl_cmd_sender_show,
	    "ADDRESS [--json]",
	    "Print the sender's entry as LDIF (or JSON)." },
	{ "sender sheet", 1, 1, T_VERIFY, ctl_cmd_sender_sheet,
	    "ADDRESS [--json] [--mail [--relay HOST:PORT]]",
	    "What the customer receives: host names, the ports of the\n"
	    "sender's access methods with their TLS mode, how to authenticate\n"
	    "(or, for IP control, not to), the limits, reply-to and\n"
	    "suppression. No secret. --mail sends it to the sgNotifyAddress\n"
	    "of the sender and of its domain through notify_relay." },
	{ "sender list", 0, 1, T_NONE, ctl_cmd_sender_list,
	    "[DOMAIN] [--json]",
	    "List the senders, of all domains or of one." },
	{ "sender delete", 1, 1, T_NONE, ctl_cmd_sender_delete,
	    "ADDRESS --yes",
	    "Delete a sender's entry: it is unregistered for good." },
	{ "sender verify-reply-to", 1, 1, T_VERIFY, ctl_cmd_verify_reply_to,
	    "ADDRESS [--relay HOST:PORT]",
	    "Mail a one-time code to the sender's sgReplyTo (through\n"
	    "notify_relay, from notify_from); it is valid for 10 minutes, and\n"
	    "a new one may be asked for once it has expired." },
	{ "sender confirm-reply-to", 2, 2, T_NONE, ctl_cmd_confirm_reply_to,
	    "ADDRESS CODE",
	    "Check the code and set sgReplyToVerified: TRUE; from then on\n"
	    "the milter adds Reply-To. Changing sgReplyTo clears it." },
	{ "suppress add", 1, 1, T_SUPPRESS, ctl_cmd_suppress_add,
	    "RECIPIENT [--domain DOMAIN] [--reason TEXT]",
	    "Put a recipient on a customer's suppression list (the domain's\n"
	    "name or primary domain), or on the relay-wide one. It expires\n"
	    "after suppression_ttl." },
	{ "suppress remove", 1, 1, T_SUPPRESS, ctl_cmd_suppress_remove,
	    "RECIPIENT [--domain DOMAIN]",
	    "Take a recipient off a customer's list, or the relay-wide one." },
	{ "suppress list", 0, 0, T_SUPPRESS, ctl_cmd_suppress_list,
	    "[--domain DOMAIN] [--json]",
	    "The entries of every list, or of one customer's." },
	{ "suppress show", 1, 1, T_SUPPRESS, ctl_cmd_suppress_show,
	    "RECIPIENT [--json]",
	    "The lists a recipient is on, with reason, time added and expiry." },
	{ "suppress learn", 0, 0, T_NONE, ctl_cmd_suppress_learn,
	    "< DSN",
	    "Read a delivery status notification (RFC 3464) on standard\n"
	    "input, as a Postfix pipe, and put each recipient that failed\n"
	    "permanently on the list of the customer whose sender sent it.\n"
	    "Exits 0 whatever the input (what it did is logged)." },
	{ "complaint learn", 0, 0, T_NONE, ctl_cmd_complaint_learn,
	    "< REPORT",
	    "Read a feedback report (RFC 5965, Feedback-Type: abuse) on\n"
	    "standard input, as a Postfix pipe; when the relay accepted the\n"
	    "reported message from that sender to the complaining recipient,\n"
	    "put the recipient on the customer's list and count the complaint.\n"
	    "Exits 0 whatever the input (what it did is logged)." },
	{ "domain add", 1, 1, T_EDIT, ctl_cmd_domain_add,
	    "NAME --primary DOMAIN [--limit N] [--network CIDR]...\n"
	    "    [--archive-address A] [--description T] [--status S --reason T]\n"
	    "    [--notify A]... [--dkim-selector S]... [--send-rate N/T]...\n"
	    "    [--skip-dns-check --reason TEXT]",
	    "Add a customer domain (sgDomainName NAME) claiming a primary\n"
	    "domain, once its ownership record is in DNS (see domain token);\n"
	    "--skip-dns-check adds it without, the reason recorded." },
	{ "domain update", 1, 1, T_EDIT, ctl_cmd_domain_update,
	    "NAME [options of add] [--add-X V | --remove-X V]...\n"
	    "    (X: network, notify, dkim-selector, send-rate)",
	    "Change a domain (NAME or its primary domain). A new primary\n"
	    "domain is checked in DNS as on add." },
	{ "domain token", 1, 1, T_NONE, ctl_cmd_domain_token,
	    "PRIMARY [--json]",
	    "The TXT record the customer publishes to prove it owns its\n"
	    "primary domain (derived from domain_token_secret_file)." },
	{ "domain check", 0, 1, T_NONE, ctl_cmd_domain_check,
	    "DOMAIN|--all [--json]",
	    "Check in DNS, for each primary domain, the ownership record,\n"
	    "SPF for relay_addresses, a DKIM key at each sgDkimSelector and\n"
	    "DMARC; print pass, warn or fail with the record to publish, and\n"
	    "record the result on the entry (rule 13d reads it). Exit 0 no\n"
	    "failure, 1 a check failed, 4 DNS or LDAP failed." },
	{ "domain show", 1, 1, T_NONE, ctl_cmd_domain_show,
	    "NAME [--json]",
	    "Print the domain's entry as LDIF (or JSON) and its number of\n"
	    "senders." },
	{ "domain list", 0, 0, T_NONE, ctl_cmd_domain_list,
	    "[--json]",
	    "List the domains." },
	{ "domain delete", 1, 1, T_NONE, ctl_cmd_domain_delete,
	    "NAME --yes",
	    "Delete a domain that has no senders left." },
	{ "passwd", 1, 1, T_NONE, ctl_cmd_passwd,
	    "SENDER [--generate [--json]]",
	    "Set the sender's SMTP AUTH password ({CRYPT}, yescrypt): read\n"
	    "from the terminal (twice) or the first line of standard input,\n"
	    "or --generate one and print the onboarding sheet with it." },
	{ "suspend", 1, 1, T_REASON, ctl_cmd_suspend,
	    "SENDER|DOMAIN --reason TEXT",
	    "Suspend a sender or a domain: its mail is deferred (4xx)." },
	{ "disable", 1, 1, T_REASON, ctl_cmd_disable,
	    "SENDER|DOMAIN --reason TEXT",
	    "Disable a sender or a domain: its mail is refused (5xx)." },
	{ "activate", 1, 1, T_REASON, ctl_cmd_activate,
	    "SENDER|DOMAIN [--reason TEXT]",
	    "Make a sender or a domain active again." },
	{ "reputation", 0, 1, T_NONE, ctl_cmd_reputation,
	    "[DOMAIN|SENDER] [--json]",
	    "Recipients accepted, bounces and complaints learned over\n"
	    "reputation_window, their rates, the state (ok, warning,\n"
	    "suspended) and since when; each domain followed by its senders." },
	{ "reinstate", 1, 1, T_REASON, ctl_cmd_reinstate,
	    "SENDER|DOMAIN --reason TEXT",
	    "Lift an automatic suspension (bounce or complaint rate) and start\n"
	    "a fresh reputation window. Logged with who and why." },
	{ "usage reset", 1, 1, T_NONE, ctl_cmd_usage_reset,
	    "SENDER --yes [--month YYYY-MM]",
	    "Set the sender's count of the month to zero and take it off its\n"
	    "domain's count." },
	{ "usage", 0, 1, T_NONE, ctl_cmd_usage,
	    "[SENDER|DOMAIN] [--month YYYY-MM] [--sort address|use] [--json]",
	    "This month's counts, limits and what remains, each domain\n"
	    "followed by its senders, sorted by address (or by the share of\n"
	    "the limit used)." },
	{ "explain", 0, 0, T_EXPLAIN, ctl_cmd_explain,
	    "--from ADDRESS [--auth LOGIN] [--client IP] [--listener NAME]\n"
	    "    [--json]",
	    "What the milter would answer to this MAIL FROM now, and why.\n"
	    "Exit 0 it passes, 1 it is refused, 4 LDAP or Redis failed." },
	{ NULL, 0, 0, T_NONE, NULL, NULL, NULL }
};

static const char globals[] =
    "Global options:\n"
    "  -c, --config FILE          configuration (default\n"
    "                             " SG_CONF_PATH ")\n"
    "  --bind-dn DN --bind-password-file FILE\n"
    "                             write as this LDAP account (the milter's\n"
    "                             account reads only)\n"
    "  -n, --dry-run              print the LDIF instead of writing\n"
    "  -v, --verbose              debug lines on stderr\n"
    "  -h, --help                 this help; COMMAND --help: its own\n";

/* Print one command's synopsis (and its help if long). */
static void
print_command(FILE *fp, const struct command *c, int long_form)
{
	fprintf(fp, "%s %s %s\n", long_form ? "usage: sendergatectl" : " ",
	    c->name, c->synopsis);
	if (long_form)
		fprintf(fp, "\n%s\n", c->help);
}

/* --help: everything, or the commands whose name starts with prefix. */
static int
help(const char *prefix)
{
	const struct command	*c;
	size_t			 n = 0;

	for (c = commands; prefix != NULL && c->name != NULL; c++)
		if (strcmp(c->name, prefix) == 0) {
			print_command(stdout, c, 1);
			printf("\n%s", globals);
			return CTL_OK;
		}
	printf("usage: sendergatectl [global options] COMMAND [ARGS]\n\n");
	printf("Commands:\n");
	for (c = commands; c->name != NULL; c++) {
		if (prefix != NULL && (strncmp(c->name, prefix,
		    strlen(prefix)) != 0 || c->name[strlen(prefix)] != ' '))
			continue;
		print_command(stdout, c, 0);
		n++;
	}
	printf("\n%s\nExit: 0 done, 1 not found or refused (explain), 2 usage "
	    "error,\n3 validation failed (nothing written), 4 LDAP or Redis "
	    "failed.\nSee sendergatectl(8).\n", globals);
	return n > 0 || prefix == NULL ? CTL_OK : CTL_USAGE;
}

/* The command named by the first one or two words; *words: how many. */
static const struct command *
find_command(const struct ctl_args *a, int *words)
{
	const struct command	*c;
	char			 two[64];

	if (a->npos >= 2) {
		snprintf(two, sizeof(two), "%s %s", a->pos[0], a->pos[1]);
		for (c = commands; c->name != NULL; c++)
			if (strcmp(c->name, two) == 0) {
				*words = 2;
				return c;
			}
	}
	for (c = commands; c->name != NULL; c++)
		if (strcmp(c->name, a->pos[0]) == 0) {
			*words = 1;
			return c;
		}
	return NULL;
}

/* 1 if the word starts two-word commands ("sender", "domain"). */
static int
is_group(const char *w)
{
	const struct command	*c;
	size_t			 n = strlen(w);

	for (c = commands; c->name != NULL; c++)
		if (strncmp(c->name, w, n) == 0 && c->name[n] == ' ')
			return 1;
	return 0;
}

/* Refuse options the command does not take; CTL_OK or CTL_USAGE. */
static int
check_options(const struct command *c, const struct ctl_args *a)
{
	size_t	 i;
	int	 opt, ok;

	for (i = 0; i < a->nedits; i++) {
		opt = a->edits[i].opt;
		switch (c->takes) {
		case T_EDIT:
			ok = opt < O_FROM;
			break;
		case T_REASON:
			ok = opt == O_REASON;
			break;
		case T_SUPPRESS:
			ok = opt == O_DOMAIN || opt == O_REASON;
			break;
		case T_VERIFY:
			ok = opt == O_RELAY;
			break;
		case T_EXPLAIN:
			ok = opt == O_FROM || opt == O_AUTH ||
			    opt == O_CLIENT || opt == O_LISTENER;
			break;
		default:
			ok = 0;
			break;
		}
		if (!ok)
			return ctl_usage_error(c->name, "takes no %s",
			    ctl_opt_name(opt));
	}
	if (a->skip_dns && c->run != ctl_cmd_domain_add &&
	    c->run != ctl_cmd_domain_update)
		return ctl_usage_error(c->name, "takes no --skip-dns-check");
	if (a->skip_dns && (ctl_edit_value(a, O_REASON) == NULL ||
	    ctl_edit_value(a, O_REASON)[0] == '\0'))
		return ctl_usage_error(c->name, "--skip-dns-check needs "
		    "--reason TEXT");
	if (a->all && c->run != ctl_cmd_domain_check)
		return ctl_usage_error(c->name, "takes no --all");
	if (a->json && c->run != ctl_cmd_usage && c->run != ctl_cmd_explain &&
	    c->run != ctl_cmd_domain_token && c->run != ctl_cmd_domain_check &&
	    c->run != ctl_cmd_sender_sheet && c->run != ctl_cmd_sender_add &&
	    c->run != ctl_cmd_reputation &&
	    !(c->run == ctl_cmd_passwd && a->generate) &&
	    strstr(c->name, "show") == NULL && strstr(c->name, "list") == NULL)
		return ctl_usage_error(c->name, "takes no --json");
	if (a->mail && c->run != ctl_cmd_sender_sheet)
		return ctl_usage_error(c->name, "takes no --mail");
	if (a->sort != NULL && c->run != ctl_cmd_usage)
		return ctl_usage_error(c->name, "takes no --sort");
	return CTL_OK;
}

/* The admin credentials into the connection configuration. */
static int
credentials(struct ctl_ctx *x, const struct ctl_args *a, char **secret)
{
	char	 err[1024];

	*secret = NULL;
	if (a->bind_dn == NULL && a->bind_pw_file == NULL)
		return CTL_OK;
	if (a->bind_dn == NULL || a->bind_pw_file == NULL)
		return ctl_usage_error(NULL, "--bind-dn and "
		    "--bind-password-file go together");
	if (conf_read_secret(a->bind_pw_file, secret, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "sendergatectl: %s\n", err);
		return CTL_USAGE;
	}
	x->wconf.ldap_bind_dn = (char *)(uintptr_t)a->bind_dn;
	x->wconf.ldap_bind_password = *secret;
	return CTL_OK;
}

/* The counters, opened once per run (closed in main). */
int
ctl_counters_open(struct ctl_ctx *x)
{
	char	 err[512];

	if (x->ctrs != NULL)
		return 0;
	if ((x->ctrs = ctr_open(x->conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sendergatectl: counters: %s\n", err);
		return -1;
	}
	return 0;
}

/* Run the command c with its operands, the configuration loaded. */
static int
run(const struct command *c, const struct ctl_args *a, char **v, int n)
{
	struct sg_conf	 conf;
	struct ctl_ctx	 x;
	char		 err[1024], *secret = NULL;
	int		 ret;

	if (conf_load(a->conf, &conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "sendergatectl: %s\n", err);
		return CTL_USAGE;
	}
	/* the month of the counters is the month in quota_timezone */
	if (setenv("TZ", conf.quota_timezone, 1) == -1) {
		fprintf(stderr, "sendergatectl: setenv TZ failed\n");
		conf_free(&conf);
		return CTL_BACKEND;
	}
	tzset();
	memset(&x, 0, sizeof(x));
	x.conf = &conf;
	x.wconf = conf;
	x.dry_run = a->dry_run;
	x.out = stdout;
	if ((ret = credentials(&x, a, &secret)) == CTL_OK) {
		log_debug("%s: LDAP %s as %s", c->name, conf.ldap_uri[0],
		    x.wconf.ldap_bind_dn != NULL && x.wconf.ldap_bind_dn[0] ?
		    x.wconf.ldap_bind_dn : "anonymous");
		ret = c->run(&x, a, v, n);
	}
	ctl_ldap_close(&x);
	ctr_close(x.ctrs);
	if (secret != NULL) {
		OPENSSL_cleanse(secret, strlen(secret));
		free(secret);
	}
	conf_free(&conf);
	return ret;
}

/* Find the command, check it, run it. */
int
main(int argc, char *argv[])
{
	const struct command	*c;
	struct ctl_args		 a;
	int			 ret, words = 0, n;

	if ((ret = ctl_args_parse(argc, argv, &a)) != CTL_OK)
		return ret;
	log_init("sendergatectl", 1, a.verbose ? LOG_LVL_DEBUG :
	    LOG_LVL_WARNING);
	if (a.npos == 0) {
		ret = a.help ? help(NULL) :
		    ctl_usage_error(NULL, "no command given");
		goto out;
	}
	if ((c = find_command(&a, &words)) == NULL) {
		if (!is_group(a.pos[0]))
			ret = ctl_usage_error(NULL, "unknown command '%s'",
			    a.pos[0]);
		else if (a.help && a.npos == 1)
			ret = help(a.pos[0]);
		else if (a.npos == 1)
			ret = ctl_usage_error(a.pos[0], "a subcommand is "
			    "needed");
		else
			ret = ctl_usage_error(a.pos[0], "unknown subcommand "
			    "'%s'", a.pos[1]);
		goto out;
	}
	if (a.help) {
		ret = help(c->name);
		goto out;
	}
	n = a.npos - words;
	if (n < c->min || n > c->max) {
		if (n < c->min)
			ret = ctl_usage_error(c->name, "missing %.*s",
			    (int)strcspn(c->synopsis, " \n"), c->synopsis);
		else
			ret = ctl_usage_error(c->name, "too many operands");
		goto out;
	}
	if ((ret = check_options(c, &a)) == CTL_OK)
		ret = run(c, &a, a.pos + words, n);
out:
	ctl_args_free(&a);
	return ret;
}
