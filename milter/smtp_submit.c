/*
 * smtp_submit.c - one message through an SMTP relay (smtp_submit.h).
 *
 * Blocking I/O on one socket with send and receive timeouts; replies
 * read line by line, a multi-line reply to its last line.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostport.h"
#include "smtp_submit.h"

struct smtp {
	int	 fd;
	char	 buf[4096];		/* received, not yet read */
	size_t	 len;
};

/* Connect to host:port with the timeout; the socket, or -1. */
static int
dial(const char *relay, long ms, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res, *ai;
	struct timeval	 tv;
	char		 host[256], port[16];
	int		 p, fd = -1, rc;

	if (hostport_split(relay, strlen(relay), host, sizeof(host), &p) ==
	    -1) {
		snprintf(err, errlen, "relay %s: expected HOST:PORT", relay);
		return -1;
	}
	snprintf(port, sizeof(port), "%d", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "relay %s: %s", relay, gai_strerror(rc));
		return -1;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) == -1)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		snprintf(err, errlen, "relay %s: cannot connect: %s", relay,
		    strerror(errno));
	return fd;
}

/* Write all of s; 0, or -1. */
static int
put(struct smtp *s, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = send(s->fd, p, n, MSG_NOSIGNAL)) <= 0) {
			if (w == -1 && errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One reply line into line; 0, or -1 (closed, timeout, too long). */
static int
get_line(struct smtp *s, char *line, size_t len)
{
	char	*nl;
	size_t	 n;
	ssize_t	 r;

	for (;;) {
		if ((nl = memchr(s->buf, '\n', s->len)) != NULL) {
			n = (size_t)(nl - s->buf);
			if (n > 0 && s->buf[n - 1] == '\r')
				n--;
			if (n >= len)
				n = len - 1;
			memcpy(line, s->buf, n);
			line[n] = '\0';
			n = (size_t)(nl - s->buf) + 1;
			memmove(s->buf, s->buf + n, s->len - n);
			s->len -= n;
			return 0;
		}
		if (s->len == sizeof(s->buf))
			return -1;
		r = recv(s->fd, s->buf + s->len, sizeof(s->buf) - s->len, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		s->len += (size_t)r;
	}
}

/* A whole reply; its code (its last line in last), or -1. */
static int
reply(struct smtp *s, char *last, size_t len)
{
	do {
		if (get_line(s, last, len) == -1)
			return -1;
		if (strlen(last) < 3)
			return -1;
	} while (last[3] == '-');
	return atoi(last);
}

/* Send a command (NULL: none) and want a reply class; 0, or -1 (err). */
static int
step(struct smtp *s, const char *what, const char *cmd, int want, char *err,
    size_t errlen)
{
	char	 last[512];
	int	 code;

	if (cmd != NULL && put(s, cmd, strlen(cmd)) == -1) {
		snprintf(err, errlen, "%s: cannot send: %s", what,
		    strerror(errno));
		return -1;
	}
	if ((code = reply(s, last, sizeof(last))) == -1) {
		snprintf(err, errlen, "%s: no reply from the relay", what);
		return -1;
	}
	if (code / 100 != want) {
		snprintf(err, errlen, "%s: relay answered \"%s\"", what, last);
		return -1;
	}
	return 0;
}

/* The message, CRLF line ends, dot-stuffed, and the final dot. */
static int
put_data(struct smtp *s, const char *msg)
{
	const char	*p = msg, *nl;
	size_t		 n;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if ((*p == '.' && put(s, ".", 1) == -1) || put(s, p, n) == -1 ||
		    put(s, "\r\n", 2) == -1)
			return -1;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return put(s, ".\r\n", 3);
}

/* Send one message. */
int
smtp_submit(const char *relay, const char *from, const char *rcpt,
    const char *msg, long timeout_ms, char *err, size_t errlen)
{
	struct smtp	 s;
	char		 cmd[600], host[256];
	int		 ret = -1;

	memset(&s, 0, sizeof(s));
	if ((s.fd = dial(relay, timeout_ms, err, errlen)) == -1)
		return -1;
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if (step(&s, "greeting", NULL, 2, err, errlen) == -1)
		goto out;
	snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", host);
	if (step(&s, "EHLO", cmd, 2, err, errlen) == -1)
		goto out;
	snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>\r\n", from);
	if (step(&s, "MAIL FROM", cmd, 2, err, errlen) == -1)
		goto out;
	snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>\r\n", rcpt);
	if (step(&s, "RCPT TO", cmd, 2, err, errlen) == -1)
		goto out;
	if (step(&s, "DATA", "DATA\r\n", 3, err, errlen) == -1)
		goto out;
	if (put_data(&s, msg) == -1) {
		snprintf(err, errlen, "message: cannot send: %s",
		    strerror(errno));
		goto out;
	}
	if (step(&s, "end of data", NULL, 2, err, errlen) == -1)
		goto out;
	(void)put(&s, "QUIT\r\n", 6);
	ret = 0;
out:
	close(s.fd);
	return ret;
}
