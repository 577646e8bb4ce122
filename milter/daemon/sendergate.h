/*
 * sendergate.h - the parts of the daemon, shared by sendergate.c (the
 * command line, start, signals and stop) and its helpers:
 *
 *	sendergate_check.c	what -n checks beyond the file's syntax
 *	sendergate_pidfile.c	the locked pid file: one instance
 *	sendergate_socket.c	the milter socket around libmilter's
 *	sendergate_reload.c	SIGHUP: a new configuration in force
 *	sendergate_version.c	-V
 *	sendergate_try.c	-n -t: the servers tried; the wait before READY
 */
#ifndef SG_SENDERGATE_H
#define SG_SENDERGATE_H

#include <stddef.h>
#include "lib/conf.h"
#include "daemon/snap.h"

/*
 * The checks of -n beyond conf_load's: user exists, and the files the
 * configuration names (password files, CA file) can be read by user (by
 * this process when user is empty or the same). 0, or -1 with the reason
 * in err. Started as root, a child becomes user to try them.
 */
int	check_conf(const struct sg_conf *c, char *err, size_t errlen);

enum pidfile_result {
	PIDFILE_LOCKED,			/* opened and locked: ours */
	PIDFILE_NONE,			/* pid_file = "": none kept */
	PIDFILE_FAILED			/* err says why (or whose lock) */
};

/*
 * Open and lock path (the process keeps the lock until it exits); its
 * directory is made for user when missing and started as root. On
 * PIDFILE_FAILED, err names the reason, or the pid of the instance
 * holding the lock.
 */
enum pidfile_result pidfile_open(const char *path, const char *user,
	    char *err, size_t errlen);
/* Write this process's pid into the locked file (after daemonising). */
void	pidfile_write(void);
/* Remove the pid file (at stop). */
void	pidfile_remove(void);

/*
 * Before libmilter opens the socket: a unix socket another process
 * answers on is refused (-1, err), so that a second instance does not
 * take it over.
 */
int	socket_check(const char *sock, char *err, size_t errlen);
/* After smfi_opensocket failed: why, with errno's text, into err. */
void	socket_diagnose(const char *sock, char *err, size_t errlen);
/*
 * After smfi_opensocket: find the listening socket, set TCP_NODELAY on a
 * TCP one, give a unix one its owner, group and mode (socket_mode,
 * socket_group) and remember what it is, for socket_wake and
 * socket_remove.
 */
void	socket_setup(const struct sg_conf *c);
/* Connect to the socket and close: wakes libmilter's listener (at stop). */
void	socket_wake(void);
/* Remove the unix socket, if the file is still the one we made. */
void	socket_remove(void);

/* Remember the configuration file's path. */
void	reload_init(const char *path);
/*
 * Read the configuration again and put it in force, or keep the old;
 * sigfd (the signal pipe) is watched while a new directory is awaited.
 */
void	reload(int sigfd);
/* At stop: let go of what reload_init and reload kept. */
void	reload_end(void);

/* -n -t: bind to each ldap_uri, read ldap_base, PING Redis; 0 or -1. */
int	try_servers(const struct sg_conf *c);
struct directory;
/*
 * Wait up to ms for the directory to answer a lookup, watching sigfd:
 * 1 it answers, 0 not in time, -1 a signal arrived (left unread).
 */
int	start_wait(struct directory *d, long ms, int sigfd);

/* Print the versions of sendergate and its libraries on stdout. */
void	print_version(void);

#endif
