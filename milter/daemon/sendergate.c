/*
 * sendergate.c - the milter daemon: options, configuration, privileges,
 * the pid file, libmilter's main loop on a thread of its own, and the
 * signals on the main thread.
 *
 *	sendergate [-fhntV] [-c file]
 *
 * -c the configuration (default SG_CONF_PATH, from make's SYSCONFDIR),
 * -f stay in the foreground and log to stderr, -n check the configuration
 * and exit (0 good, 1 bad), -t with -n: also bind to LDAP and PING Redis
 * with the configured passwords, -h usage, -V versions.
 *
 * Ready: systemd hears READY=1 only once the directory answers (mirror
 * mode: the first copy loaded), up to START_WAIT s after the socket
 * listens; sessions meanwhile get rule 3. Not by then (a wrong bind
 * password, LDAP down): the reason is logged and, under systemd
 * (NOTIFY_SOCKET), the daemon exits 1 so that the start fails; without
 * systemd it runs on, answering rule 3 until the directory answers.
 *
 * Signals. libmilter's smfi_main blocks SIGHUP, SIGTERM and SIGINT in
 * the thread that calls it and starts a thread of its own that sigwaits
 * for them and stops the milter on any of them. Two threads waiting for
 * one signal get it in an unspecified order, so sendergate does not wait
 * beside it: the signals are blocked in every thread but the main one
 * (the mirror's sync thread and libmilter's workers included), and the
 * main thread, which never blocks them, catches them with a handler that
 * writes the signal's number into a pipe. Linux gives a signal sent to
 * the process to its main thread whenever that thread can take it, which
 * with the signals never blocked there is always, but for the moment
 * between one signal's arrival and its handler; only a second signal
 * within that moment can reach libmilter's thread, which then stops the
 * milter (the stop below still runs: the pipe hears of it). The main
 * thread reads the pipe: SIGHUP reloads (sendergate_reload.c), SIGTERM
 * and SIGINT stop. SIGUSR1 and SIGUSR2 are ignored.
 *
 * Stop: first the drain (milter_drain.c): new transactions get 451 4.3.2,
 * the open ones up to STOP_WAIT s to end, since libmilter aborts those
 * still open when it stops. Then smfi_stop() (on a thread of its own: it waits for libmilter's
 * listener to let go of its lock) while the main thread connects to the
 * socket every STOP_POKE ms, so that the listener wakes from its poll at
 * once instead of up to 5 s later; open sessions then get STOP_WAIT
 * seconds to end; the unix socket and the pid file are removed. A
 * connection libmilter accepted just before it stopped becomes a session
 * (milter_sessions) only at its option negotiation, a moment later: so
 * the sessions are over once none has been open for STOP_SETTLE ms.
 * Sessions that held no transaction for STOP_SETTLE ms (connections
 * opened while the drain refused new mail, or kept idle between
 * messages) are not waited for: closing them cuts no message.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#include <systemd/sd-daemon.h>

#include "lib/conf.h"
#include "redis/counter.h"
#include "dir/dir.h"
#include "lib/log.h"
#include "daemon/metrics_http.h"
#include "lib/metrics.h"
#include "lib/notify.h"
#include "daemon/milter.h"
#include "lib/paths.h"
#include "daemon/sendergate.h"
#include "daemon/snap.h"

#define STOP_WAIT	5		/* seconds for open sessions at stop */
#define STOP_SETTLE	200		/* ms without a session: all ended */
#define STOP_POKE	20		/* ms between connections waking libmilter */
#define LISTENER_DONE	0		/* byte in the pipe: smfi_main returned */
#define START_WAIT	60		/* seconds for the directory before READY */

static int	sig_pipe[2] = { -1, -1 };
static int	milter_ret;		/* smfi_main's, once it returned */
static int	start_failed;		/* never ready: stop exits 1 */
static struct metrics_server *metrics;	/* NULL: metrics_address off */

/* Print usage on fp; exit with status. */
static void __attribute__((noreturn))
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: sendergate [-fhntV] [-c file]\n"
	    "  -c file  configuration (default %s)\n"
	    "  -f       stay in the foreground, log to standard error\n"
	    "  -n       check the configuration and exit\n"
	    "  -t       with -n: also bind to LDAP and PING Redis\n"
	    "  -h       this help\n"
	    "  -V       versions of sendergate and its libraries\n",
	    SG_CONF_PATH);
	exit(status);
}

/* Become user (by name) when running as root and user is another. */
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
	if ((pw = getpwnam(c->user)) == NULL)
		fatalx("user = %s: no such account", c->user);
	if (pw->pw_uid == geteuid() && pw->pw_uid != 0)
		return;		/* started as user already (systemd User=) */
	if (geteuid() != 0) {
		log_warnx("user = %s ignored: not started as root", c->user);
		return;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1)
		fatal("cannot become %s", c->user);
	if (pw->pw_uid != 0 && setuid(0) != -1)
		fatalx("privileges could be regained after dropping them");
}

/* The signals the main thread handles. */
static void
stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

/* Handler: the signal's number into the pipe (async-signal-safe). */
static void
on_signal(int sig)
{
	unsigned char	 c = (unsigned char)sig;
	int		 saved = errno;

	(void)!write(sig_pipe[1], &c, 1);
	errno = saved;
}

/* Install on_signal for HUP, TERM, INT; ignore PIPE, USR1, USR2. */
static void
catch_signals(void)
{
	struct sigaction	 sa;

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("pipe");
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_signal;
	if (sigaction(SIGHUP, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		fatal("sigaction");
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	(void)sigaction(SIGUSR1, &sa, NULL);
	(void)sigaction(SIGUSR2, &sa, NULL);
}

/* The milter thread: libmilter's loop; tells the main thread it ended. */
static void *
milter_thread(void *arg)
{
	unsigned char	 c = LISTENER_DONE;

	(void)arg;
	milter_ret = smfi_main();
	(void)!write(sig_pipe[1], &c, 1);
	return NULL;
}

/* The stopper thread: smfi_stop() waits for libmilter's listener. */
static void *
stopper_thread(void *arg)
{
	(void)arg;
	smfi_stop();
	return NULL;
}

/* Next byte from the signal pipe, waiting up to ms (-1: forever); -1. */
static int
next_signal(int ms)
{
	struct pollfd	 pfd;
	unsigned char	 c;

	pfd.fd = sig_pipe[0];
	pfd.events = POLLIN;
	for (;;) {
		if (read(sig_pipe[0], &c, 1) == 1)
			return c;
		if (errno != EAGAIN && errno != EINTR)
			fatal("read signal pipe");
		if (poll(&pfd, 1, ms) == 0)
			return -1;
	}
}

/* Stop libmilter's listener (unless it ended) and join its thread. */
static void
stop_listener(pthread_t milter, int ended)
{
	pthread_t	 stopper;
	int		 c;

	if (!ended) {
		if (pthread_create(&stopper, NULL, stopper_thread, NULL) != 0)
			fatalx("cannot start the stopper thread");
		/* wake the listener until it returned */
		do {
			socket_wake();
			c = next_signal(STOP_POKE);
		} while (c != LISTENER_DONE);
		pthread_join(stopper, NULL);
	}
	pthread_join(milter, NULL);
}

/*
 * Wait what is left of STOP_WAIT s for no session for STOP_SETTLE ms;
 * the sessions left. Sessions that hold no transaction for STOP_SETTLE
 * ms (connections the MTA opened while the drain refused new mail,
 * idle) are not waited for: cutting them cuts no message. *busy: a
 * transaction was still open at the end.
 */
static unsigned
drain(int used, int *busy)
{
	unsigned	 n;
	int		 waited, idle = 0, quiet = 0;

	*busy = 0;
	for (waited = used; waited < STOP_WAIT * 1000; waited += 10) {
		if ((n = milter_sessions()) > 0)
			idle = 0;
		else if ((idle += 10) >= STOP_SETTLE)
			return 0;
		if (drain_open() > 0)
			quiet = 0;
		else if ((quiet += 10) >= STOP_SETTLE)
			return milter_sessions();
		usleep(10000);
	}
	*busy = drain_open() > 0;
	return milter_sessions();
}

/*
 * Before libmilter is stopped (it would abort them): refuse new
 * transactions, and wait up to STOP_WAIT s for the open ones to end.
 */
static int
drain_transactions(void)
{
	unsigned	 n;
	int		 waited;

	drain_begin();
	if ((n = drain_open()) == 0)
		return 0;
	log_info("stopping: %u transaction(s) open, new ones refused", n);
	for (waited = 0; waited < STOP_WAIT * 1000; waited += 10) {
		if (drain_open() == 0)
			return waited;
		usleep(10000);
	}
	log_warnx("stopping: %u transaction(s) still open after %d s",
	    drain_open(), STOP_WAIT);
	return waited;
}

/*
 * Stop: new transactions refused and the open ones let end, then the listener, then up to STOP_WAIT s for open sessions; the
 * socket and the pid file removed; then exit 0 (1 if libmilter failed).
 */
static void __attribute__((noreturn))
stop(pthread_t milter, int ended)
{
	unsigned	 n;
	int		 status, used = 0, busy;

	sd_notify(0, "STOPPING=1");
	if (!ended)
		used = drain_transactions();
	stop_listener(milter, ended);
	status = milter_ret == MI_SUCCESS && !start_failed ? 0 : 1;
	n = drain(used, &busy);
	socket_remove();
	if (n > 0) {
		/*
		 * Leave without the libraries' exit handlers (OpenSSL's,
		 * libldap's), which would free state under the sessions.
		 */
		if (busy)
			log_warnx("stopping with %u session(s) still open, "
			    "a transaction among them", n);
		else
			log_info("stopping: %u idle session(s) closed (no "
			    "message open)", n);
		log_info("stopped");
		pidfile_remove();
		_exit(status);
	}
	metrics_stop(metrics);
	notify_stop();
	reload_end();
	snap_publish(NULL);
	log_info("stopped");
	pidfile_remove();
	exit(status);
}

/* Act on one byte of the signal pipe: reload, stop, or nothing. */
static void
on_signal_byte(pthread_t milter, int c)
{
	switch (c) {
	case SIGHUP:
		reload(sig_pipe[0]);
		break;
	case SIGTERM:
	case SIGINT:
		log_info("stopping (%s)", c == SIGTERM ? "SIGTERM" : "SIGINT");
		stop(milter, 0);
	case LISTENER_DONE:
		log_warnx("libmilter's listener ended: stopping");
		stop(milter, 1);
	default:
		break;
	}
}

/*
 * Tell systemd READY=1 once the directory answers, signals served while
 * waiting; not within START_WAIT s: under systemd, stop with status 1.
 */
static void
ready(pthread_t milter)
{
	struct snap	*s;
	time_t		 until = time(NULL) + START_WAIT;
	int		 r;

	for (;;) {
		s = snap_current();
		r = start_wait(s->dir, (long)(until - time(NULL)) * 1000,
		    sig_pipe[0]);
		snap_release(s);
		if (r != -1)
			break;
		on_signal_byte(milter, next_signal(0));
	}
	if (r == 1) {
		sd_notifyf(0, "READY=1\nMAINPID=%ld", (long)getpid());
		return;
	}
	log_error("the directory did not answer within %d s (ldap_uri, "
	    "ldap_bind_dn and its password: sendergate -n -t): senders get "
	    "rule 3 until it does", START_WAIT);
	if (getenv("NOTIFY_SOCKET") != NULL) {
		log_error("not ready: stopping, for systemd to report the "
		    "start failed");
		start_failed = 1;
		stop(milter, 0);
	}
}

/* Options: sets *path, *foreground, *check (2: -n -t); -h, -V exit. */
static void
options(int argc, char *argv[], const char **path, int *foreground,
    int *check)
{
	int	 try = 0;

	int	 ch;

	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		usage(stdout, 0);
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		print_version();
		exit(0);
	}
	while ((ch = getopt(argc, argv, "c:fhntV")) != -1) {
		switch (ch) {
		case 'c':
			*path = optarg;
			break;
		case 'f':
			*foreground = 1;
			break;
		case 'h':
			usage(stdout, 0);
		case 'n':
			*check = 1;
			break;
		case 't':
			try = 1;
			break;
		case 'V':
			print_version();
			exit(0);
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc || (try && !*check))
		usage(stderr, 2);
	if (try)
		*check = 2;
}

/* Open the socket through libmilter, explaining a failure. */
static void
open_socket(const struct sg_conf *c)
{
	char	 err[1024];
	mode_t	 mask;

	if (smfi_register(milter_desc) == MI_FAILURE)
		fatalx("smfi_register failed");
	if (socket_check(c->socket, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (smfi_setconn(c->socket) == MI_FAILURE)
		fatalx("socket = %s: not usable", c->socket);
	/* a unix socket is made private, then given socket_mode and
	 * socket_group before privileges are dropped */
	mask = umask(077);
	if (smfi_opensocket(1) == MI_FAILURE) {
		socket_diagnose(c->socket, err, sizeof(err));
		fatalx("%s", err);
	}
	umask(mask);
	socket_setup(c);
}

/* Run the milter. */
int
main(int argc, char *argv[])
{
	struct snap	*s;
	const char	*path = SG_CONF_PATH;
	char		 err[1024], abspath[PATH_MAX];
	int		 foreground = 0, check = 0;
	pthread_t	 milter;
	sigset_t	 set, old;

	options(argc, argv, &path, &foreground, &check);
	if ((s = snap_new()) == NULL) {
		fprintf(stderr, "sendergate: out of memory\n");
		return 1;
	}
	if (conf_load(path, &s->conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "sendergate: %s\n", err);
		snap_release(s);
		return 1;
	}
	if (check_conf(&s->conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "sendergate: %s: %s\n", path, err);
		snap_release(s);
		return 1;
	}
	if (check == 2 && try_servers(&s->conf) == -1) {
		fprintf(stderr, "sendergate: %s: the file is valid, but the "
		    "servers above did not answer as configured\n", path);
		snap_release(s);
		return 1;
	}
	if (check) {
		printf("sendergate: %s: configuration is valid\n", path);
		snap_release(s);
		return 0;
	}
	/* reloads read it again after daemon()'s chdir("/") */
	if (realpath(path, abspath) == NULL) {
		fprintf(stderr, "sendergate: %s: %s\n", path, strerror(errno));
		snap_release(s);
		return 1;
	}
	/* start-up errors reach the terminal; syslog once in the background */
	log_open(s->conf.syslog_name, s->conf.syslog_facility, 1,
	    s->conf.log_level);

	/* the month of the counters is the month in quota_timezone */
	if (setenv("TZ", s->conf.quota_timezone, 1) == -1)
		fatal("setenv TZ");
	tzset();

	/* every thread started from here on has the signals blocked */
	stop_signals(&set);
	if (pthread_sigmask(SIG_BLOCK, &set, &old) != 0)
		fatalx("pthread_sigmask");
	catch_signals();

	if (pidfile_open(s->conf.pid_file, s->conf.user, err,
	    sizeof(err)) == PIDFILE_FAILED)
		fatalx("%s", err);
	open_socket(&s->conf);
	drop_privileges(&s->conf);
	if (!foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_open(s->conf.syslog_name, s->conf.syslog_facility, 0,
		    s->conf.log_level);
	}
	pidfile_write();

	if ((s->dir = dir_open(&s->conf, err, sizeof(err))) == NULL)
		fatalx("directory: %s", err);
	if ((s->ctrs = ctr_open(&s->conf, err, sizeof(err))) == NULL)
		fatalx("counters: %s", err);
	if (s->conf.metrics_address[0] != '\0' &&
	    (metrics = metrics_start(s->conf.metrics_address, milter_sessions,
	    err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (notify_start() == -1)
		fatalx("cannot start the notice thread");
	reload_init(abspath);
	snap_publish(s);	/* ours is now the published one's */

	if (pthread_create(&milter, NULL, milter_thread, NULL) != 0)
		fatalx("cannot start the milter thread");
	if (pthread_sigmask(SIG_SETMASK, &old, NULL) != 0)
		fatalx("pthread_sigmask");

	s = snap_current();
	log_info("started: socket %s, ldap_mode %s, %zu ldap_uri, redis %s",
	    s->conf.socket, s->conf.ldap_mode == LDAP_MODE_QUERY ? "query" :
	    "mirror", s->conf.ldap_nuri, s->conf.redis_sentinels[0] != '\0' ?
	    s->conf.redis_master_name : s->conf.redis_address);
	snap_release(s);
	ready(milter);
	for (;;)
		on_signal_byte(milter, next_signal(-1));
}
