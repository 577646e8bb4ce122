/*
 * sendergate_pidfile.c - the pid file, locked (flock) for the life of
 * the process: a second instance with the same pid_file finds the lock
 * taken and refuses to start, naming the pid written in the file. The
 * lock belongs to the open file, so it survives daemon()'s fork; the pid
 * is written after it.
 *
 * Without systemd's RuntimeDirectory= (sysvinit, containers) the pid
 * file's directory (/run/sendergate) is gone after a reboot: started as
 * root, the daemon makes it (the last component only, 0755) and gives it
 * to user, who removes the pid file at stop.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "daemon/sendergate.h"

static int	 pid_fd = -1;
static char	*pid_path;
static dev_t	 pid_dev;
static ino_t	 pid_ino;

/* Make path's directory, owned by user (if any); as root only. 0, -1. */
static int
make_dir(const char *path, const char *user)
{
	struct passwd	*pw = NULL;
	char		*copy, *dir;
	int		 ret = -1;

	if (geteuid() != 0)
		return -1;
	if (user[0] != '\0' && (pw = getpwnam(user)) == NULL)
		return -1;
	if ((copy = strdup(path)) == NULL)
		return -1;
	dir = dirname(copy);
	if (mkdir(dir, 0755) == 0 || errno == EEXIST) {
		ret = 0;
		if (pw != NULL && chown(dir, pw->pw_uid, pw->pw_gid) == -1)
			ret = -1;
		else
			log_info("pid_file: made %s for %s", dir,
			    pw != NULL ? user : "root");
	}
	free(copy);
	return ret;
}

/* Open and lock path; see sendergate.h. */
enum pidfile_result
pidfile_open(const char *path, const char *user, char *err, size_t errlen)
{
	struct stat	 st;
	char		 buf[32];
	ssize_t		 n;
	long		 other;
	int		 fd;

	if (*path == '\0')
		return PIDFILE_NONE;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
	    0644);
	if (fd == -1 && errno == ENOENT && make_dir(path, user) == 0)
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY |
		    O_CLOEXEC, 0644);
	if (fd == -1) {
		snprintf(err, errlen, "pid_file %s: cannot open: %s", path,
		    strerror(errno));
		return PIDFILE_FAILED;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK) {
			snprintf(err, errlen, "pid_file %s: cannot lock: %s",
			    path, strerror(errno));
			close(fd);
			return PIDFILE_FAILED;
		}
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		other = strtol(buf, NULL, 10);
		if (other > 0)
			snprintf(err, errlen, "already running as pid %ld "
			    "(pid_file %s is locked)", other, path);
		else
			snprintf(err, errlen, "already running (pid_file %s "
			    "is locked)", path);
		close(fd);
		return PIDFILE_FAILED;
	}
	if (fstat(fd, &st) == -1 || (pid_path = strdup(path)) == NULL) {
		snprintf(err, errlen, "pid_file %s: %s", path,
		    strerror(errno));
		close(fd);
		return PIDFILE_FAILED;
	}
	pid_dev = st.st_dev;
	pid_ino = st.st_ino;
	pid_fd = fd;
	return PIDFILE_LOCKED;
}

/* Replace the file's contents with our pid. */
void
pidfile_write(void)
{
	char	 buf[32];
	int	 n;

	if (pid_fd == -1)
		return;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pid_fd, 0) == -1 ||
	    pwrite(pid_fd, buf, (size_t)n, 0) != n)
		log_warn("pid_file %s: cannot write", pid_path);
}

/* Remove the file if it is still ours; the lock goes with the process. */
void
pidfile_remove(void)
{
	struct stat	 st;

	if (pid_path == NULL)
		return;
	if (stat(pid_path, &st) == 0 && st.st_dev == pid_dev &&
	    st.st_ino == pid_ino && unlink(pid_path) == -1)
		log_warn("pid_file %s: cannot remove", pid_path);
	free(pid_path);
	pid_path = NULL;
}
