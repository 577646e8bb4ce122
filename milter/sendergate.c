/*
 * sendergate.c - the milter daemon: options, configuration, privileges,
 * then libmilter's main loop.
 *
 *	sendergate [-fn] [-c file]
 *
 * -c the configuration (default /etc/sendergate/sendergate.conf), -f stay
 * in the foreground and log to stderr, -n check the configuration, report
 * and exit (0 good, 1 bad).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "conf.h"
#include "counter.h"
#include "dir.h"
#include "log.h"
#include "milter.h"

#define CONF_DEFAULT	"/etc/sendergate/sendergate.conf"

/* Print usage and exit 2. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: sendergate [-fn] [-c file]\n");
	exit(2);
}

/* Become user (by name) when running as root. */
static void
drop_privileges(const struct sg_conf *c)
{
	struct passwd	*pw;
	const char	*path = NULL;

	if (c->user[0] == '\0') {
		if (geteuid() == 0)
			log_warnx("running as root: set user = to an "
			    "unprivileged account");
		return;
	}
	if (geteuid() != 0) {
		log_warnx("user = %s ignored: not started as root", c->user);
		return;
	}
	if ((pw = getpwnam(c->user)) == NULL)
		fatalx("user = %s: no such account", c->user);
	/* a unix socket must stay usable by the account */
	if (strncmp(c->socket, "unix:", 5) == 0)
		path = c->socket + 5;
	else if (strncmp(c->socket, "local:", 6) == 0)
		path = c->socket + 6;
	if (path != NULL && chown(path, pw->pw_uid, pw->pw_gid) == -1)
		fatal("chown %s", path);
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1)
		fatal("cannot become %s", c->user);
	if (setuid(0) != -1)
		fatalx("privileges could be regained after dropping them");
}

/* Run the milter. */
int
main(int argc, char *argv[])
{
	struct sg_conf		 conf;
	struct directory	*dir;
	const char		*path = CONF_DEFAULT;
	char			 err[1024];
	int			 ch, foreground = 0, check = 0, ret;

	while ((ch = getopt(argc, argv, "c:fhn")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if (conf_load(path, &conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "sendergate: %s\n", err);
		return 1;
	}
	if (check) {
		printf("sendergate: %s: configuration is valid\n", path);
		conf_free(&conf);
		return 0;
	}
	/* start-up errors reach the terminal; syslog once in the background */
	log_init("sendergate", 1, conf.log_level);

	/* the month of the counters is the month in quota_timezone */
	if (setenv("TZ", conf.quota_timezone, 1) == -1)
		fatal("setenv TZ");
	tzset();
	signal(SIGPIPE, SIG_IGN);

	if (smfi_register(milter_desc) == MI_FAILURE)
		fatalx("smfi_register failed");
	if (smfi_setconn(conf.socket) == MI_FAILURE)
		fatalx("socket = %s: not usable", conf.socket);
	/* a unix socket: rwx for owner and group (the MTA's account), none
	 * for others */
	umask(007);
	if (smfi_opensocket(1) == MI_FAILURE)
		fatalx("socket = %s: cannot listen (in use? permissions?)",
		    conf.socket);
	drop_privileges(&conf);
	if (!foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init("sendergate", 0, conf.log_level);
	}

	if ((dir = dir_open(&conf, err, sizeof(err))) == NULL)
		fatalx("directory: %s", err);
	if (ctr_init(&conf, err, sizeof(err)) == -1)
		fatalx("counters: %s", err);
	milter_setup(&conf, dir);

	log_info("started: socket %s, ldap_mode %s, %zu ldap_uri, redis %s",
	    conf.socket, conf.ldap_mode == LDAP_MODE_QUERY ? "query" :
	    "mirror", conf.ldap_nuri, conf.redis_address);
	ret = smfi_main();
	log_info("stopping");
	dir_close(dir);
	ctr_shutdown();
	conf_free(&conf);
	return ret == MI_SUCCESS ? 0 : 1;
}
