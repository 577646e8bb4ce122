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
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "conf.h"
#include "counter.h"
#include "dir.h"
#include "log.h"
#include "milter.h"

#define CONF_DEFAULT	"/etc/sendergate/sendergate.conf"
#define STOP_WAIT	5		/* seconds for open sessions at stop */

/*
 * TCP_NODELAY on libmilter's listening TCP socket, which accepted sockets
 * inherit (Linux). At end of message libmilter writes each added
 * recipient and then the reply in separate small packets; with Nagle's
 * algorithm the reply waits for the MTA's delayed ACK of the first, some
 * 40 ms a message. libmilter does not hand out its socket, so it is found
 * among the open descriptors: the only listening one is libmilter's.
 */
static void
tcp_nodelay(void)
{
	int		 fd, on = 1, v;
	socklen_t	 len;
	long		 max = sysconf(_SC_OPEN_MAX);

	for (fd = 0; fd < (max > 0 && max < 65536 ? max : 1024); fd++) {
		len = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == -1 ||
		    v == 0)
			continue;
		len = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) == -1 ||
		    (v != AF_INET && v != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on)) == -1)
			log_warn("setsockopt TCP_NODELAY");
	}
}

/* Print usage and exit 2. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: sendergate [-fn] [-c file]\n");
	exit(2);
}

/* The path of a unix socket, or NULL for inet sockets. */
static const char *
socket_path(const char *sock)
{
	if (strncmp(sock, "unix:", 5) == 0)
		return sock + 5;
	if (strncmp(sock, "local:", 6) == 0)
		return sock + 6;
	return NULL;
}

/*
 * Give a unix socket its owner (user, when started as root), its group
 * (socket_group, else the user's primary group) and socket_mode.
 */
static void
socket_perms(const struct sg_conf *c)
{
	struct passwd	*pw;
	struct group	*gr;
	const char	*path;
	uid_t		 uid = (uid_t)-1;
	gid_t		 gid = (gid_t)-1;

	if ((path = socket_path(c->socket)) == NULL)
		return;
	if (c->user[0] != '\0' && geteuid() == 0) {
		if ((pw = getpwnam(c->user)) == NULL)
			fatalx("user = %s: no such account", c->user);
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (c->socket_group[0] != '\0') {
		if ((gr = getgrnam(c->socket_group)) == NULL)
			fatalx("socket_group = %s: no such group",
			    c->socket_group);
		gid = gr->gr_gid;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    chown(path, uid, gid) == -1)
		fatal("chown %s", path);
	if (chmod(path, (mode_t)c->socket_mode) == -1)
		fatal("chmod %s", path);
}

/* Become user (by name) when running as root. */
static void
drop_privileges(const struct sg_conf *c)
{
	struct passwd	*pw;

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
	static struct sg_conf	 conf;	/* static: still reachable at exit */
	struct directory	*dir;
	const char		*path = CONF_DEFAULT;
	char			 err[1024];
	int			 ch, foreground = 0, check = 0, ret, i;
	unsigned		 n;
	mode_t			 mask;

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
	/* a unix socket is made private, then given socket_mode and
	 * socket_group before privileges are dropped */
	mask = umask(077);
	if (smfi_opensocket(1) == MI_FAILURE)
		fatalx("socket = %s: cannot listen (in use? permissions?)",
		    conf.socket);
	umask(mask);
	tcp_nodelay();
	socket_perms(&conf);
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
	/*
	 * libmilter's workers may still be finishing sessions when smfi_main
	 * returns. Give them STOP_WAIT seconds; the directory, the counters
	 * and the configuration stay in place (reachable) throughout. If some
	 * are still open then, leave without running the libraries' exit
	 * handlers (OpenSSL's, libldap's), which would free state under them.
	 */
	for (i = 0; i < STOP_WAIT * 20 && milter_sessions() > 0; i++)
		usleep(50000);
	if ((n = milter_sessions()) > 0) {
		log_warnx("stopping with %u session(s) still open", n);
		_exit(ret == MI_SUCCESS ? 0 : 1);
	}
	log_info("stopped");
	return ret == MI_SUCCESS ? 0 : 1;
}
