/*
 * sendergate_socket.c - the milter socket, around libmilter's handling
 * of it: a unix socket another process answers on is not taken over; a
 * socket that cannot be opened is explained with errno's text (libmilter
 * only logs it); TCP_NODELAY, a unix socket's owner and mode; and, at
 * stop, a connection that wakes libmilter's listener and the removal of
 * the unix socket.
 *
 * libmilter does not hand out its listening socket, so it is found among
 * the open descriptors: the only listening one is libmilter's.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "daemon/sendergate.h"

static struct sockaddr_storage	 sock_addr;	/* to connect to, at stop */
static socklen_t		 sock_len;
static char			 sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static dev_t			 sock_dev;
static ino_t			 sock_ino;

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

/* A unix socket someone answers on is refused; see sendergate.h. */
int
socket_check(const char *sock, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	const char		*path;
	int			 fd, r;

	if ((path = socket_path(sock)) == NULL ||
	    strlen(path) >= sizeof(sun.sun_path) ||
	    lstat(path, &st) == -1 || !S_ISSOCK(st.st_mode))
		return 0;	/* libmilter decides, socket_diagnose explains */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (r == -1)
		return 0;	/* nobody there: a stale socket, replaced */
	snprintf(err, errlen, "socket = %s: another process listens on it "
	    "(is sendergate already running?)", sock);
	return -1;
}

/* Why a unix socket cannot be made at path, into err. */
static void
diagnose_unix(const char *sock, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	char			 dir[PATH_MAX];
	int			 fd, e;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket = %s: path longer than %zu "
		    "octets", sock, sizeof(sun.sun_path) - 1);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if (stat(dirname(dir), &st) == -1) {
		snprintf(err, errlen, "socket = %s: cannot listen: directory "
		    "%s: %s", sock, dir, strerror(errno));
		return;
	}
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "socket = %s: cannot listen: %s exists "
		    "and is not a socket", sock, path);
		return;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket = %s: cannot listen: %s", sock,
		    strerror(errno));
		return;
	}
	(void)unlink(path);	/* libmilter removed a stale one too */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		e = errno;
		snprintf(err, errlen, "socket = %s: cannot listen: %s", sock,
		    strerror(e));
	} else {
		(void)unlink(path);
		snprintf(err, errlen, "socket = %s: cannot listen (libmilter "
		    "refused it; see its message in syslog)", sock);
	}
	close(fd);
}

/* Why inet:PORT@HOST or inet6:PORT@HOST cannot be bound, into err. */
static void
diagnose_inet(const char *sock, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 port[64], host[256];
	const char	*p, *at;
	int		 fd, on = 1, rc, e = 0;

	p = strchr(sock, ':') + 1;
	at = strchr(p, '@');
	snprintf(port, sizeof(port), "%.*s", at != NULL ? (int)(at - p) :
	    (int)strlen(p), p);
	host[0] = '\0';
	if (at != NULL) {
		snprintf(host, sizeof(host), "%s", at + 1);
		if (host[0] == '[' && strchr(host, ']') != NULL) {
			*strchr(host, ']') = '\0';
			memmove(host, host + 1, strlen(host));
		}
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = strncmp(sock, "inet6:", 6) == 0 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res)) !=
	    0) {
		snprintf(err, errlen, "socket = %s: cannot listen: %s", sock,
		    gai_strerror(rc));
		return;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1) {
			e = errno;
			continue;
		}
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
		    listen(fd, 1) == -1)
			e = errno;
		close(fd);
		if (e != 0)
			break;
	}
	freeaddrinfo(res);
	if (e != 0)
		snprintf(err, errlen, "socket = %s: cannot listen: %s", sock,
		    strerror(e));
	else
		snprintf(err, errlen, "socket = %s: cannot listen (libmilter "
		    "refused it; see its message in syslog)", sock);
}

/* Explain a failed smfi_opensocket. */
void
socket_diagnose(const char *sock, char *err, size_t errlen)
{
	const char	*path;

	if ((path = socket_path(sock)) != NULL)
		diagnose_unix(sock, path, err, errlen);
	else
		diagnose_inet(sock, err, errlen);
}

/* libmilter's listening socket, or -1. */
static int
listening_fd(void)
{
	int		 fd, v;
	socklen_t	 len;
	long		 max = sysconf(_SC_OPEN_MAX);

	for (fd = 0; fd < (max > 0 && max < 65536 ? max : 1024); fd++) {
		len = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 &&
		    v != 0)
			return fd;
	}
	return -1;
}

/*
 * Give a unix socket its owner (user, when started as root), its group
 * (socket_group, else the user's primary group) and socket_mode.
 */
static void
socket_perms(const struct sg_conf *c, const char *path)
{
	struct passwd	*pw;
	struct group	*gr;
	uid_t		 uid = (uid_t)-1;
	gid_t		 gid = (gid_t)-1;

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

/*
 * TCP_NODELAY on a TCP socket, which accepted sockets inherit (Linux). At
 * end of message libmilter writes each added recipient and then the
 * reply in separate small packets; with Nagle's algorithm the reply
 * waits for the MTA's delayed ACK of the first, some 40 ms a message.
 */
static void
tcp_nodelay(int fd)
{
	int	 on = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		log_warn("setsockopt TCP_NODELAY");
}

/* Settle the socket libmilter opened; see sendergate.h. */
void
socket_setup(const struct sg_conf *c)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	struct stat		 st;
	const char		*path;
	int			 fd;

	if ((fd = listening_fd()) == -1)
		fatalx("socket = %s: libmilter's listening socket not found",
		    c->socket);
	sock_len = sizeof(sock_addr);
	if (getsockname(fd, (struct sockaddr *)&sock_addr, &sock_len) == -1)
		fatal("getsockname");
	switch (sock_addr.ss_family) {
	case AF_INET:
		tcp_nodelay(fd);
		sin = (struct sockaddr_in *)&sock_addr;
		if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		break;
	case AF_INET6:
		tcp_nodelay(fd);
		sin6 = (struct sockaddr_in6 *)&sock_addr;
		if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
			sin6->sin6_addr = in6addr_loopback;
		break;
	case AF_UNIX:
		if ((path = socket_path(c->socket)) == NULL)
			break;
		socket_perms(c, path);
		if (lstat(path, &st) == -1)
			fatal("stat %s", path);
		snprintf(sock_path, sizeof(sock_path), "%s", path);
		sock_dev = st.st_dev;
		sock_ino = st.st_ino;
		break;
	}
}

/* Connect to our own socket and close at once. */
void
socket_wake(void)
{
	int	 fd;

	fd = socket(sock_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (fd == -1)
		return;
	(void)connect(fd, (struct sockaddr *)&sock_addr, sock_len);
	close(fd);
}

/* Remove our unix socket (libmilter leaves it when running as root). */
void
socket_remove(void)
{
	struct stat	 st;

	if (sock_path[0] == '\0')
		return;
	if (lstat(sock_path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == sock_dev && st.st_ino == sock_ino &&
	    unlink(sock_path) == -1)
		log_warn("cannot remove %s", sock_path);
	sock_path[0] = '\0';
}
