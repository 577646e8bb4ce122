/*
 * sendergate_check.c - what -n checks beyond conf_load: that user exists
 * and that the files the configuration names can be read by the account
 * the daemon runs as, since a reload (SIGHUP) reads them again after
 * privileges are dropped. Started as root, a child process becomes user
 * and opens each file; otherwise this process tries them.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/sendergate.h"

/* Open each file the configuration names; 0, or -1 with err. */
static int
try_files(const struct sg_conf *c, const char *as, char *err, size_t errlen)
{
	const struct {
		const char	*key;
		const char	*file;
	} f[] = {
		{ "ldap_bind_password_file", c->ldap_bind_password_file },
		{ "redis_password_file", c->redis_password_file },
		{ "ldap_ca_file", c->ldap_ca_file },
	};
	size_t	 i;
	int	 fd;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (f[i].file == NULL || f[i].file[0] == '\0')
			continue;
		fd = open(f[i].file, O_RDONLY | O_NOCTTY | O_NONBLOCK |
		    O_CLOEXEC);
		if (fd == -1) {
			snprintf(err, errlen, "%s = %s: cannot be read%s%s: "
			    "%s", f[i].key, f[i].file, as[0] ? " by " : "", as,
			    strerror(errno));
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* As root: try the files as pw, in a child; 0, or -1 with err. */
static int
try_files_as(const struct sg_conf *c, const struct passwd *pw, char *err,
    size_t errlen)
{
	char	 buf[1024];
	pid_t	 pid;
	ssize_t	 n;
	size_t	 got = 0;
	int	 p[2], status;

	if (pipe(p) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
		    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1) {
			snprintf(buf, sizeof(buf), "cannot become %s to check "
			    "its files: %s", pw->pw_name, strerror(errno));
			(void)!write(p[1], buf, strlen(buf));
			_exit(1);
		}
		if (try_files(c, pw->pw_name, buf, sizeof(buf)) == -1) {
			(void)!write(p[1], buf, strlen(buf));
			_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	while (got + 1 < sizeof(buf) &&
	    (n = read(p[0], buf + got, sizeof(buf) - 1 - got)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	snprintf(err, errlen, "%s", got > 0 ? buf : "checking the files as "
	    "user failed");
	return -1;
}

/* The checks of -n beyond the file; see sendergate.h. */
int
check_conf(const struct sg_conf *c, char *err, size_t errlen)
{
	struct passwd	*pw = NULL;

	if (c->user[0] != '\0' && (pw = getpwnam(c->user)) == NULL) {
		snprintf(err, errlen, "user = %s: no such account", c->user);
		return -1;
	}
	if (pw != NULL && geteuid() == 0 && pw->pw_uid != 0)
		return try_files_as(c, pw, err, errlen);
	return try_files(c, "", err, errlen);
}
